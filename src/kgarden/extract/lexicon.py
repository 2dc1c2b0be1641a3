"""Word lists the rule extractor uses. Changing any of them changes extraction: bump
``LEXICON_VERSION`` so gardens record which lists made their facts."""

from __future__ import annotations

LEXICON_VERSION = 2  # 2: generic single words of the arXiv garden (2026-12-01)


def _words(text: str) -> list[str]:
    return text.split()


# Short function words inside names ("the Abstraction and Reasoning Corpus", "theory of mind").
FUNCTION_WORDS = frozenset({"and", "or", "of", "the", "a", "an", "for", "in", "on", "to",
                            "with", "by", "at", "from", "as", "via"})
NOUN_TAGS = frozenset({"NN", "NNS", "NNP", "NNPS"})
PLURAL_TAGS = frozenset({"NNS", "NNPS"})
VERB_TAGS = frozenset({"VB", "VBD", "VBG", "VBN", "VBP", "VBZ"})
# Tokens that may open a noun phrase but are never part of a concept's name.
LEADING_DROP_TAGS = frozenset({"DT", "PDT", "PRP$", "WDT", "WP$", "WP", "WRB", "CD", "POS", "CC",
                               ",", "HYPH", "-LRB-", "-RRB-", "``", "''", ":", "RB", "RBR", "RBS",
                               "JJR", "JJS", "IN", "TO", "SYM", "LS", "."})
TRAILING_DROP_TAGS = frozenset({"POS", "HYPH", ",", ":", "-LRB-", "-RRB-", "``", "''", "."})

# Irregular plurals the model's noun rules get wrong for our purposes.
SINGULAR_OVERRIDES = {"data": "data", "species": "species", "series": "series", "media": "media",
                      "bases": "basis", "analyses": "analysis", "lens": "lens"}

# Evaluative or vague modifiers stripped from the front of a phrase ("the proposed approach",
# "several existing methods"): they describe the authors' stance, not the concept.
VAGUE_MODIFIERS = frozenset(_words("""
novel new proposed existing various several many numerous multiple different diverse other
such certain recent previous prior current present first second third main major key
important crucial significant substantial effective simple powerful promising remarkable
superior better best strong stronger great greater further additional extensive
comprehensive specific particular typical overall whole entire same similar unique
fundamental underlying respective corresponding relevant potential possible original final
initial few more most less fewer all each every both some any no own above aforementioned
following latter former given considerable notable impressive competitive superior
state-of-the-art sota traditional conventional classical classic common popular widely
well-known emerging growing increasing rapid rapidly critical essential broad wide
considerable massive huge vast tremendous excellent outstanding favorable favourable
comparable reasonable true empirical experimental improved enhanced higher-level
high-quality real-world large-scale future successful widely-used widespread
well-established fully-automated newly-proposed
"""))

# Modifiers that are vague before a multi-word term ("standard knowledge distillation") but
# part of a name before a single word ("standard deviation", "general intelligence").
AMBIGUOUS_MODIFIERS = frozenset(_words("""
standard general common typical basic generic regular normal usual vanilla
"""))

# Nouns too vague to be a concept on their own ("results", "aspects", "this work"). The last
# lines are words that stood among the most frequent one-word "concepts" of the 74,728-paper
# arXiv garden, and some led its hypothesis list ("complex task | assumption", "% improvement |
# percent").
GENERIC_NOUNS = frozenset(_words("""
approach method technique framework model system paper work study article result finding
problem issue aspect way task performance effect effort challenge question case number set
type kind form part level process idea fact use order term example instance manner time step
analysis experiment evaluation improvement advantage disadvantage limitation contribution
insight state scenario setting application solution strategy component element factor
property value range variety lot area field domain direction goal purpose need ability
capability potential role impact importance success progress interest attention focus basis
end means amount degree extent respect addition terms art others those one ones thing things
detail details we they this that these it its them lack presence absence aim objective
outcome output input benefit gain cost trend line point view perspective sense account light
regard context behavior behaviour mechanism design architecture pipeline module tool toolbox
toolkit technology version variant alternative option combination mixture sequence series
community researcher author user people human individual participant person team group world
day year years today recent literature survey review overview introduction conclusion
discussion section figure table appendix learning superiority shortcoming shortcomings
drawback drawbacks weakness weaknesses strength strengths heart core advancement
advancements evolution emergence availability research researches rise advent era landscape
realm wealth plethora myriad host suite thousand thousands hundred hundreds million millions
billion billions dozen dozens first time experiments evidence observation observations
property characteristic feature features quality effectiveness baseline baselines benchmark
benchmarks dataset data datasets information knowledge understanding concept notion
principle theory hypothesis
gap advance development contrast stage promise reliance foundation difference practice reason
applicability comparison size access innovation relationship concern phenomenon
implementation change reduction family adoption opportunity demand background influence
feasibility implication scratch hand hour requirement pair topic balance subject candidate
report choice investigation support experience increase operation extension limit creation
phase average necessity percent percentage practitioner mitigation acceptance enhancement
measure barrier majority second standard assumption difficulty ii iii iv
"""))

# Heads that add nothing when a noun precedes them: "knowledge distillation techniques" and
# "knowledge distillation" are one concept; "continual learning setting" is continual learning.
GENERIC_TAILS = frozenset(_words("""
approach approaches method methods technique techniques framework frameworks paradigm
paradigms strategy strategies scheme schemes procedure procedures task tasks problem
problems setting settings scenario scenarios capability capabilities ability abilities
methodology methodologies field fields domain domains area areas issue issues aspect aspects
process processes result results
"""))

# "this paper", "our work": the paper itself, which may propose things.
PAPER_NOUNS = frozenset(_words("""
paper work study article manuscript report letter thesis chapter survey review
"""))
# "our method", "the proposed framework": the paper's contribution, which may use, improve or
# outperform things (but is not the one proposing).
SELF_REFERENCE_NOUNS = PAPER_NOUNS | frozenset(_words("""
method approach model framework system technique algorithm toolbox toolkit architecture
pipeline solution
"""))
SELF_DETERMINERS = frozenset({"our", "this", "the proposed", "proposed", "the present"})
PAPER_PRONOUNS = frozenset({"we", "us"})

# Words the tagger sometimes takes for nouns although, in abstracts, they are nearly always the
# verb ("Results on the VOC dataset *show* gains", "the PCFG *yields* better parses"): a noun
# phrase is cut there.
VERB_LIKE = frozenset(_words("""
show shows yields constrains outperforms improves reveals demonstrates indicates suggests
depends enables allows requires achieves leads performs provides remains exhibits
"""))

HEDGE_MODALS = frozenset({"may", "might", "could", "would"})
HEDGE_ADVERBS = frozenset({"possibly", "potentially", "likely", "probably", "perhaps",
                           "presumably", "arguably", "seemingly", "apparently"})
HEDGE_VERBS = frozenset({"suggest", "hypothesize", "hypothesise", "speculate", "conjecture",
                         "believe", "appear", "seem", "expect", "argue"})
NAMING_VERBS = frozenset({"called", "named", "dubbed", "termed", "coined"})


def _third_person(verb: str) -> str:
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def _past(verb: str) -> str:
    if verb.endswith("e"):
        return verb + "d"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ied"
    return verb + "ed"


def _gerund(verb: str) -> str:
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        return verb[:-1] + "ing"
    return verb + "ing"


_IRREGULAR = {
    "build": ("builds", "built", "building"),
    "draw": ("draws", "drew", "drawing", "drawn"),
    "beat": ("beats", "beat", "beating", "beaten"),
    "put": ("puts", "put", "putting"),
    "set": ("sets", "set", "setting"),
    "show": ("shows", "showed", "showing", "shown"),
    "compose": ("composes", "composed", "composing"),
    "outrun": ("outruns", "outran", "outrunning"),
    "run": ("runs", "ran", "running"),
    "get": ("gets", "got", "getting", "gotten"),
    "submit": ("submits", "submitted", "submitting"),
    "outstrip": ("outstrips", "outstripped", "outstripping"),
}


def inflections(verb: str) -> frozenset[str]:
    """The lower-case forms of a regular or listed irregular English verb."""
    if verb in _IRREGULAR:
        return frozenset((verb, *_IRREGULAR[verb]))
    return frozenset({verb, _third_person(verb), _past(verb), _gerund(verb)})


def verb_forms(*verbs: str) -> dict[str, str]:
    """Map every inflected form to its base form."""
    return {form: verb for verb in verbs for form in inflections(verb)}
