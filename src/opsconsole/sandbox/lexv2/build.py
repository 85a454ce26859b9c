"""What a Lex V2 locale build finds wrong, and how long a build takes in the sandbox.

Lex builds a locale's model from its intents, slots and slot types and fails
the build with ``failureReasons`` (plus ``recommendedActions``) when the model
cannot be built. The sandbox reproduces the failures a console's
missed-utterance workflow can cause:

* the same sample utterance in two intents of one locale (compared the way
  Lex matches them: case, spacing and surrounding punctuation ignored), which
  an approved phrase forwarded for the wrong intent produces;
* a sample utterance naming a slot (``{Amount}``) the intent doesn't have;
* a slot whose custom slot type doesn't exist in the locale.
"""

from __future__ import annotations

import re

from opsconsole.sandbox.lexv2.resources import Locale

#: Seconds a build takes: a base plus a little per intent, so a small locale builds faster.
BASE_SECONDS, PER_INTENT_SECONDS, MAX_SECONDS = 2.0, 0.1, 4.0

_SLOT_REFERENCE = re.compile(r"\{([^{}]*)\}")
_EDGE_PUNCTUATION = " \t\n.,;:!?¿¡\"'"


def normalised(utterance: str) -> str:
    """An utterance as Lex compares sample utterances: case, spacing and end punctuation ignored."""
    return " ".join(utterance.split()).strip(_EDGE_PUNCTUATION).casefold()


def build_seconds(locale: Locale) -> float:
    return min(MAX_SECONDS, BASE_SECONDS + PER_INTENT_SECONDS * len(locale.intents))


def build_problems(locale: Locale) -> tuple[list[str], list[str]]:
    """``failureReasons`` and ``recommendedActions`` a build of ``locale`` ends with (empty: it builds)."""
    reasons: list[str] = []
    actions: list[str] = []
    owners: dict[str, str] = {}
    for intent in sorted(locale.intents.values(), key=lambda i: i.name):
        slot_names = {slot.name for slot in intent.slots.values()}
        for sample in intent.fields.get("sampleUtterances") or []:
            text = str(sample.get("utterance", ""))
            key = normalised(text)
            first = owners.setdefault(key, intent.name)
            if first != intent.name:
                reasons.append(f"Duplicate sample utterance '{text}' in intents {first} and {intent.name}. "
                               "A sample utterance can belong to only one intent of a locale.")
                actions.append(f"Remove the sample utterance '{text}' from the intent {first} or "
                               f"{intent.name}, then build the locale again.")
            for name in _SLOT_REFERENCE.findall(text):
                if name not in slot_names:
                    reasons.append(f"The sample utterance '{text}' in intent {intent.name} refers to the slot "
                                   f"{{{name}}}, which isn't defined for the intent.")
                    actions.append(f"Create the slot {name} in the intent {intent.name}, or remove "
                                   f"{{{name}}} from the sample utterance.")
        for slot in intent.slots.values():
            type_id = str(slot.fields.get("slotTypeId") or "")
            if type_id and not type_id.startswith("AMAZON.") and type_id not in locale.slot_types:
                reasons.append(f"The slot {slot.name} in intent {intent.name} uses the slot type {type_id}, "
                               f"which doesn't exist in locale {locale.locale_id}.")
                actions.append(f"Choose an existing slot type for the slot {slot.name}.")
    return reasons, actions
