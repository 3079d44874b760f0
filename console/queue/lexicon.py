"""The default critical and risk word lists every new service starts with; administrators edit them per service.

Built from how published guidance describes the words people use when they are at risk: the ideation, intent,
plan and behaviour that the Columbia Suicide Severity Rating Scale asks about, the warning signs Samaritans
and the NHS list (talking about wanting to die, being a burden, no reason to live, saying goodbye, method and
means), NICE's guideline on self-harm (NG225), and, for specialist services, signs of eating-disorder
behaviour (B-eat's warning signs) and of psychosis. Each phrase is matched in its everyday forms and however it
is disguised (console.queue.matching): "suicide" also finds "suicidal", "self harm" "selfharming".

Critical: a person may be about to act or is in danger now (ideation with intent, a plan or a method, a
goodbye, an overdose). A critical match puts the post at the top of the queue and emails the service's mailbox.
Risk: distress and self-harm that a moderator must see soon.

The lists flag posts for a person to read; they decide nothing. False matches ("I could kill for a coffee"
is not one, "this exam is killing me" neither) are measured on a labelled set of posts written for the tests,
with the figures in docs/benchmarks.md.
"""

CRITICAL = (
    # Wanting to die, with intent
    "suicide", "kill myself", "end my life", "end it all", "take my own life", "take my life", "want to die",
    "wanna die", "going to die tonight", "wish i was dead", "wish i were dead", "better off dead",
    "better off without me", "if i was dead", "if i were dead", "no reason to live", "nothing to live for",
    "dont want to live",
    "dont want to be alive", "dont want to be here anymore", "cant go on living", "dont want to wake up",
    "hope i never wake up", "wont be here tomorrow", "not be here tomorrow", "ready to die", "rather be dead",
    "want to be dead", "not worth living", "done with life", "done with living", "dont want to exist",
    "better without me", "wont be around", "after im gone", "when im gone", "ways to die", "how to kill myself",
    "ways to kill myself", "end it tonight", "do it tonight",
    # A plan, a method or the means
    "overdose", "od", "take all my pills", "took all my pills", "swallow all the pills", "stockpile pills",
    "too many pills", "too many tablets", "enough pills", "enough tablets", "pills saved up", "tablets saved up",
    "stockpiling my meds", "hang myself", "noose", "jump off a bridge", "jump off the bridge",
    "jump in front of a train", "step in front of a train", "slit my wrists", "cut my wrists", "cut too deep",
    "bleed out", "drown myself", "poison myself", "gas myself", "shoot myself",
    # Saying goodbye
    "suicide note", "goodbye letter", "this is goodbye", "final goodbye", "say goodbye to everyone",
    "said my goodbyes", "say my goodbyes", "give away my things", "sorted my will",
)

RISK = (
    # Any talk of dying, death or the means: a person reads the post soon, whatever else it says
    "die", "dying", "dead", "death", "pills", "tablets", "paracetamol", "if i was gone", "if i were gone",
    # Self-harm
    "self harm", "self injury", "self injure", "hurt myself", "harm myself", "cut myself", "cutting", "burn myself",
    "scratch myself", "punch walls", "relapse", "scars", "razor", "cut again", "cutting again", "burn my arm",
    "burn my skin", "picking at my skin", "bleed",
    # Hopelessness, being a burden, being trapped
    "hopeless", "worthless", "no way out", "no point anymore", "whats the point", "cant go on", "cant cope",
    "give up on everything", "given up on life", "im a burden", "a burden to everyone",
    "everyone would be better off", "want to disappear", "want it all to stop", "cant take it anymore",
    "feel trapped", "empty inside", "feel numb", "nobody would miss me", "no one would notice",
    "hate myself", "dont care what happens to me", "burden", "pointless", "dark place", "cant take this",
    "cant do this anymore", "falling apart",
    # Eating-disorder behaviour
    "purging", "purge", "starving myself", "starve myself", "stopped eating", "skipping meals", "laxatives",
    "making myself sick", "make myself sick", "made myself sick", "binge eating", "restricting food", "weighed myself",
    "throw up", "throwing up", "threw up", "vomit", "havent eaten", "not eaten",
    # Psychosis and crisis
    "hearing voices", "voices telling me", "paranoid", "in crisis", "panic attacks", "cant stop crying",
)

DEFAULT_TERMS = {"critical": CRITICAL, "risk": RISK}
