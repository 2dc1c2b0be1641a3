"""Concept mentions from real abstract sentences: what is kept, stripped and named."""

from kgarden.extract.keys import concept_key, looks_like_acronym, singular_acronym


def displays(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.display for m in result.mentions]


def test_determiners_vague_modifiers_and_generic_heads_are_stripped(extract) -> None:  # type: ignore[no-untyped-def]
    r = extract("Our method consistently outperforms the existing baselines. "
                "We conduct experiments to evaluate the effectiveness of the proposed approach.")
    assert displays(r) == []  # only generic nouns: method, baselines, experiments, approach


def test_generic_tail_after_a_noun_is_dropped(extract) -> None:  # type: ignore[no-untyped-def]
    r = extract("We first reveal the shortcomings of standard knowledge distillation techniques.")
    assert "knowledge distillation" in displays(r)


def test_head_noun_is_singular_and_keys_meet_across_spellings(extract) -> None:  # type: ignore[no-untyped-def]
    r = extract("Pre-trained language models dominate. A pretrained language model is large.")
    keys = {m.key for m in r.mentions}
    assert "pretrainedlanguagemodel" in keys
    assert r.mentions[0].display == "pre-trained language model"


def test_hyphenated_words_stay_whole(extract) -> None:  # type: ignore[no-untyped-def]
    r = extract("TRG sets a new state-of-the-art performance in token-level relation graphs.")
    names = displays(r)
    assert "token-level relation graph" in names
    assert not any(n.startswith("art") for n in names)


def test_offsets_point_at_the_written_text(extract) -> None:  # type: ignore[no-untyped-def]
    abstract = "Knowledge distillation transfers knowledge from a teacher model to a student model."
    r = extract(abstract, title="Distilling Knowledge Efficiently")
    for m in r.mentions:
        sentence = r.sentences[m.sentence]
        text = "Distilling Knowledge Efficiently" if sentence.field == "title" else abstract
        assert text[m.start:m.end] == m.surface
        assert sentence.start <= m.start < m.end <= sentence.end


def test_title_case_is_not_taken_for_real_capitals(extract) -> None:  # type: ignore[no-untyped-def]
    r = extract("We study it.", title="Continual Learning with Backward Knowledge Transfer")
    title_mentions = [m for m in r.mentions if r.sentences[m.sentence].field == "title"]
    assert {m.display for m in title_mentions} >= {"continual learning",
                                                   "backward knowledge transfer"}
    assert not any(m.case_known for m in title_mentions)


def test_acronym_defined_in_text_joins_its_long_form(extract) -> None:  # type: ignore[no-untyped-def]
    r = extract("Knowledge distillation (KD) compresses models. KD needs a teacher. "
                "We improve KD methods.")
    kd = [m for m in r.mentions if m.surface == "KD"]
    assert len(kd) == 3
    assert all(m.key == "knowledgedistillation" and m.acronym for m in kd)
    assert [(a.short, a.key) for a in r.acronyms] == [("KD", "knowledgedistillation")]


def test_plural_acronym_is_singular(extract) -> None:  # type: ignore[no-untyped-def]
    r = extract("Large Language Models (LLMs) can reason. LLMs hallucinate.")
    assert {m.key for m in r.mentions if m.surface == "LLMs"} == {"largelanguagemodel"}
    assert r.acronyms[0].short == "LLM"


def test_key_helpers() -> None:
    assert concept_key("Knowledge-Distillation") == "knowledgedistillation"
    assert concept_key("data set") == concept_key("dataset")
    assert singular_acronym("LLMs") == "LLM"
    assert singular_acronym("Models") is None
    assert looks_like_acronym("GPT-4") and looks_like_acronym("ChatBCI")
    assert not looks_like_acronym("model") and not looks_like_acronym("Model")


def test_verbs_the_tagger_took_for_nouns_split_the_phrase(extract) -> None:  # type: ignore[no-untyped-def]
    r = extract("Results on the PASCAL VOC 2007 dataset show gains. The PCFG yields better "
                "parses. The output depends on the inputs: the former constrains flow and the "
                "latter constrains surface orientation.")
    names = displays(r)
    assert "PASCAL VOC 2007 dataset" in names and "PCFG" in names and "flow" in names
    assert not any(n.split()[-1] in {"show", "yield", "constrains"} for n in names)


def test_formula_and_markup_fragments_are_not_concepts(extract) -> None:  # type: ignore[no-untyped-def]
    r = extract("We solve LCP(q) exactly.", title="Separate accounts go mainstream [investment]")
    assert not any(set("()[]=") & set(m.surface) for m in r.mentions)


def test_names_at_sentence_start_keep_their_capitals(extract) -> None:  # type: ignore[no-untyped-def]
    r = extract("Fred Dretske argues so. Knowledge distillation helps.")
    assert displays(r)[:2] == ["Fred Dretske", "knowledge distillation"]


def test_a_possessive_before_a_generic_tail_is_stripped_with_it(extract) -> None:  # type: ignore[no-untyped-def]
    # "models' capabilities": the generic tail goes, and so does the apostrophe it leaves
    r = extract("We study large language models' capabilities in mathematical reasoning."
                " The vision-language model's abilities are limited.")
    names = displays(r)
    assert "large language model" in names and "vision-language model" in names
    assert not any(name.endswith(("'", "'s")) for name in names), names


def test_an_acronym_defined_after_a_possessive_names_the_concept_without_it(extract) -> None:  # type: ignore[no-untyped-def]
    r = extract("Accurately quantifying a large language model's (LLM) uncertainty is crucial."
                " Work has focused on improving large language models' (LLMs') performance."
                " LLMs answer questions.")
    keys = {m.key for m in r.mentions}
    assert "largelanguagemodel" in keys
    assert not any(m.display.endswith(("'", "'s")) for m in r.mentions), displays(r)
    llm = [m for m in r.mentions if m.surface in ("LLM", "LLMs")]
    assert llm and all(m.key == "largelanguagemodel" for m in llm)


def test_percentages_and_generic_single_words_are_no_concepts(extract) -> None:  # type: ignore[no-untyped-def]
    r = extract("The model gives a 12% improvement in accuracy over the baseline."
                " This gap is a promise for reliance on knowledge distillation in practice.")
    names = displays(r)
    assert "improvement" not in names and "% improvement" not in names
    assert not {"gap", "promise", "reliance", "practice", "percent"} & set(names), names
    assert "knowledge distillation" in names and "accuracy" in names
