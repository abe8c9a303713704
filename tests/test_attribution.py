"""Attribution: the source a sentence names for its claim."""

from __future__ import annotations

import pytest

from annotator.attribution import attribute, attribution


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("More than 180 combatants had been killed, according to the Syrian Observatory for "
         "Human Rights.", "the Syrian Observatory for Human Rights"),
        ("Insurgents breached Aleppo, according to a Syria war monitor and fighters.",
         "a Syria war monitor and fighters"),
        ("Islamic insurgents now control half of the Syrian city of Aleppo, a war monitor has "
         "said.", "a war monitor"),
        ("At least 277 people have been killed, including 28 civilians, the organisation added.",
         "the organisation"),
        ("Clashes killed some 200 people, a Syria war monitor and witnesses say.",
         "a Syria war monitor and witnesses"),
        ("Turkish security officials said on Thursday that the offensive was limited.",
         "Turkish security officials"),
        ("The Syrian Observatory for Human Rights, a war monitor, reported that two car bombs "
         "went off.", "The Syrian Observatory for Human Rights, a war monitor"),
        ("Turkey’s state-run Anadolu Agency also reported that the insurgents had entered.",
         "Turkey’s state-run Anadolu Agency"),
        ("In a video statement, Lt. Col. Hassan Abdulghany, the opposition military commander, "
         "declared that the offensive aimed to stop attacks.",
         "Lt. Col. Hassan Abdulghany, the opposition military commander"),
        ("‘Of course, this is a violation of Syria’s sovereignty in this region,’ Peskov said.",
         "Peskov"),
        ("Hezbollah was ‘the main force’ in the government’s control of Aleppo, said Rami "
         "Abdurrahman, head of the Observatory.", "Rami Abdurrahman, head of the Observatory"),
        ("But on Friday, the Kremlin said it considers the attack an encroachment.",
         "the Kremlin"),
        ("Turkey’s Anadolu Agency, reporting from Idlib, said insurgents attacked an airbase.",
         "Turkey’s Anadolu Agency"),
        ("Jason Brodsky, Policy Director at the group, told MailOnline: ‘The offensive shows it.’",
         "Jason Brodsky, Policy Director at the group"),
        ("Among those fleeing are also thousands of Christians, Worthy News established.",
         "Worthy News"),
        ("On Friday, insurgents reported capturing the Scientific Research Center.", "insurgents"),
    ],
)  # fmt: skip
def test_sources(text: str, source: str) -> None:
    assert attribution(text) == source


@pytest.mark.parametrize(
    "text",
    [
        "The surprise attack added new uncertainty to a region already reeling.",
        "Instead, there were reports of government forces melting away.",
        "The government has not commented on the insurgents’ breach of the city’s defenses.",
        "As well as backing opposition forces, Turkey has also established a military presence.",
        "Separately, the United States has supported Syrian Kurdish forces.",
        "Insurgents breached Syria’s second-largest city.",
        "However, government-linked media denied these claims.",
    ],
)
def test_no_source(text: str) -> None:
    assert attribution(text) is None


def test_pronouns_are_resolved_from_the_sentences_before() -> None:
    sources = attribute(
        [
            "Turkey’s state-run Anadolu Agency reported that the insurgents entered the centre.",
            "It said the insurgents broke through the defense lines.",
            "It added the insurgents now control approximately 70 locations.",
            "Nobody is named here.",
            "Nor here.",
            "It added something else.",
        ]
    )
    agency = "Turkey’s state-run Anadolu Agency"
    assert sources == [agency, agency, agency, None, None, "It"]
