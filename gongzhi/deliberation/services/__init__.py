"""Every write of deliberation, one function per use case."""

from .register import register_import
from .topics import (
    apply_record,
    attendance_invite,
    attendance_sign_in,
    attendance_signup,
    comment_add,
    deciding_place,
    decision_record,
    feedback_publish,
    meeting_minutes,
    meeting_open,
    meeting_schedule,
    place_settings,
    rating_add,
    settings_update,
    signin_token,
    topic_cosign,
    topic_create,
    topic_propose,
    topic_publish_notice,
    topic_send_back,
    topic_update_plan,
    topic_withdraw,
)
from .votes import ballot_cast, ballot_enter_paper, vote_close, vote_open, vote_record_hands
from .workflow import BACK, TRANSITIONS, Conflict

__all__ = [
    "BACK", "TRANSITIONS", "Conflict", "apply_record", "attendance_invite", "attendance_sign_in",
    "attendance_signup", "ballot_cast", "ballot_enter_paper", "comment_add", "deciding_place", "decision_record", "feedback_publish",
    "meeting_minutes", "meeting_open", "meeting_schedule", "place_settings", "rating_add", "register_import",
    "settings_update", "signin_token", "topic_cosign", "topic_create", "topic_propose", "topic_publish_notice",
    "topic_send_back", "topic_update_plan", "topic_withdraw", "vote_close", "vote_open", "vote_record_hands",
]
