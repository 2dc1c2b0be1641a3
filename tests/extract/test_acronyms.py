from kgarden.extract.acronyms import find_definitions


def pairs(text: str) -> list[tuple[str, str]]:
    return [(d.short, text[d.long_start:d.long_end]) for d in find_definitions(text)]


def test_schwartz_hearst_definitions() -> None:
    assert pairs("Knowledge Distillation (KD) is a technique.") == [
        ("KD", "Knowledge Distillation")]
    assert pairs("we develop a ContinUal learning method with Backward knowlEdge tRansfer (CUBER), "
                 "for") == [("CUBER", "ContinUal learning method with Backward knowlEdge tRansfer")]
    assert pairs("interaction with Large Language Models (LLMs), designed") == [
        ("LLMs", "Large Language Models")]


def test_long_form_does_not_start_with_a_function_word() -> None:
    text = "challenges such as the Abstraction and Reasoning Corpus (ARC), and"
    assert pairs(text) == [("ARC", "Abstraction and Reasoning Corpus")]


def test_parentheses_that_are_not_acronyms_are_ignored() -> None:
    assert pairs("accuracy improves (p < 0.05) on all (see Table 1) sets (2023)") == []
    assert pairs("a model (ours) wins") == []
