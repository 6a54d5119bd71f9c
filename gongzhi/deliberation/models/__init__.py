"""Deliberation by the five-step method: topics and their steps, meetings, votes, the owners' register."""

from .meetings import Attendance, Meeting, MeetingKind, Party
from .register import Flat, Owner, OwnerRegister
from .topics import (
    OWNER_MATTERS,
    SPECIAL_MATTERS,
    ApplyKind,
    Comment,
    CoSignature,
    Decision,
    DecisionMethod,
    Matter,
    PlaceSettings,
    Rating,
    Source,
    Step,
    Topic,
    TopicEvent,
)
from .votes import Ballot, BallotForm, Channel, Vote, VoteChoices

__all__ = [
    "ApplyKind", "Attendance", "Ballot", "BallotForm", "Channel", "CoSignature", "Comment", "Decision",
    "DecisionMethod", "Flat", "Matter", "Meeting", "MeetingKind", "OWNER_MATTERS", "Owner", "OwnerRegister", "Party",
    "PlaceSettings", "Rating", "SPECIAL_MATTERS", "Source", "Step", "Topic", "TopicEvent", "Vote", "VoteChoices",
]
