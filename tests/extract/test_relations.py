"""Typed relations from real-looking sentences, with negation and hedging."""

from kgarden.extract.types import PAPER_SUBJECT


def triples(result) -> set[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    out = set()
    for r in result.relations:
        subject = "PAPER" if r.subject == PAPER_SUBJECT else result.mentions[r.subject].display
        predicate = ("not " if r.negated else "") + ("~" if r.hedged else "") + r.predicate
        out.add((subject, predicate, result.mentions[r.object].display))
    return out


def test_proposes_from_we_and_this_paper(extract) -> None:  # type: ignore[no-untyped-def]
    r = extract("We present ChatBCI, a Python-based toolbox for brain research. "
                "This article introduces Cognitio Emergens, a framework for co-creation.")
    found = triples(r)
    assert ("PAPER", "proposes", "ChatBCI") in found
    assert ("PAPER", "proposes", "Cognitio Emergens") in found
    assert ("ChatBCI", "is-a", "Python-based toolbox") in found


def test_proposed_name_with_acronym_is_the_acronym(extract) -> None:  # type: ignore[no-untyped-def]
    r = extract("We propose a novel method called Knowledge Distillation with Token-level "
                "Relationship Graph (TRG) that leverages token-wise relational knowledge.")
    found = triples(r)
    assert ("PAPER", "proposes", "TRG") in found
    assert ("Token-level Relationship Graph", "uses", "token-wise relational knowledge") in found


def test_uses_active_passive_and_by_gerund(extract) -> None:  # type: ignore[no-untyped-def]
    r = extract("AGENTiGraph employs a multi-agent architecture. "
                "ChatBCI was used in a brain-computer interface project. "
                "By employing TRG, the student model emulates the teacher model.")
    found = triples(r)
    assert ("AGENTiGraph", "uses", "multi-agent architecture") in found
    assert ("brain-computer interface project", "uses", "ChatBCI") in found
    assert ("student model", "uses", "TRG") in found


def test_improves_outperforms_evaluates_compares(extract) -> None:  # type: ignore[no-untyped-def]
    r = extract("Mixture-of-experts layers significantly improve model efficiency. "
                "Meta-RTL outperforms multi-task learning. "
                "We evaluate CUBER on continual learning benchmarks. "
                "We compare knowledge distillation with pruning.")
    found = triples(r)
    assert ("mixture-of-experts layer", "improves", "model efficiency") in found
    assert ("Meta-RTL", "outperforms", "multi-task learning") in found
    assert ("CUBER", "evaluates-on", "continual learning benchmark") in found
    assert ("knowledge distillation", "compares-with", "pruning") in found


def test_part_of_and_is_a_patterns(extract) -> None:  # type: ignore[no-untyped-def]
    r = extract("The OpenAGI platform consists of a symbolic planner and a neural parser. "
                "Large language models such as ChatGPT and GPT-4 are versatile. "
                "Curriculum design is a fundamental component of teacher education.")
    found = triples(r)
    assert ("symbolic planner", "part-of", "OpenAGI platform") in found
    assert ("neural parser", "part-of", "OpenAGI platform") in found
    assert ("ChatGPT", "is-a", "large language model") in found
    assert ("GPT-4", "is-a", "large language model") in found
    assert ("curriculum design", "part-of", "teacher education") in found


def test_negation_and_hedging_are_recorded(extract) -> None:  # type: ignore[no-untyped-def]
    r = extract("Data augmentation does not improve model robustness. "
                "Curriculum learning may improve sample efficiency. "
                "Our results suggest that contrastive pretraining improves transfer accuracy.")
    found = triples(r)
    assert ("data augmentation", "not improves", "model robustness") in found
    assert ("curriculum learning", "~improves", "sample efficiency") in found
    assert ("contrastive pretraining", "~improves", "transfer accuracy") in found


def test_no_relations_from_titles(extract) -> None:  # type: ignore[no-untyped-def]
    r = extract("It works.", title="TRG Improves Knowledge Distillation")
    assert r.relations == []


def test_subject_it_refers_to_what_the_paper_proposed(extract) -> None:  # type: ignore[no-untyped-def]
    r = extract("We propose DeepCut. It uses convolutional neural networks (CNNs) and "
                "outperforms graph cuts on PASCAL VOC.")
    found = triples(r)
    assert ("DeepCut", "uses", "convolutional neural network") in found
    assert ("DeepCut", "outperforms", "graph cut") in found
    assert ("DeepCut", "evaluates-on", "PASCAL VOC") in found


def test_purpose_patterns_relate_the_task_to_the_method(extract) -> None:  # type: ignore[no-untyped-def]
    r = extract("We apply knowledge distillation to speech recognition. "
                "We use conditional random fields for named entity recognition. "
                "CNNs are used for image classification. "
                "We present a convolutional network for image segmentation.")
    found = triples(r)
    assert ("speech recognition", "uses", "knowledge distillation") in found
    assert ("named entity recognition", "uses", "conditional random field") in found
    assert ("image classification", "uses", "CNN") in found
    assert ("image segmentation", "uses", "convolutional network") in found
