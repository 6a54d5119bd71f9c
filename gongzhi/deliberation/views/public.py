"""Resident pages (phone) and the public board (no login, no personal data)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from gongzhi.core.pagination import paginate
from gongzhi.territory.models import Node
from gongzhi.tickets.permissions import resident_households

from .. import selectors, services
from ..forms import ProposalForm
from ..models import Step, Vote
from ..tally import tally


@login_required
def mine(request):
    """The notices, proposals, results and feedback of the places I live in."""
    page = paginate(request, selectors.resident_topics(request.user), per_page=20)
    return render(request, "deliberation/mine.html", {"page": page, "households": resident_households(request.user)})


@login_required
def propose(request):
    households = resident_households(request.user)
    if not households:
        raise PermissionDenied(_("只有登记在册的居民可以提议"))
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            topic = services.topic_propose(actor=request.user, household=households[0], **form.cleaned_data)
        except ValidationError as e:
            for m in e.messages:
                form.add_error(None, m)
        else:
            messages.success(request, _("提议已发起，邀请邻居联署"))
            return redirect("deliberation:topic", topic.pk)
    return render(request, "deliberation/propose.html", {"form": form, "household": households[0]})


def board(request, node_id):
    node = get_object_or_404(Node, pk=node_id)
    step = request.GET.get("step") if request.GET.get("step") in Step.values else None
    page = paginate(request, selectors.board_topics(node, step), per_page=30)
    return render(request, "deliberation/board.html", {"node": node, "page": page, "step": step,
                                                        "steps": [Step.NOTICE, Step.CONSULTATION, Step.APPLY,
                                                                  Step.FEEDBACK, Step.CLOSED]})


def board_topic(request, node_id, pk):
    node = get_object_or_404(Node, pk=node_id)
    topic = selectors.board_topic(node, pk)
    votes = [(v, tally(v)) for v in Vote.objects.filter(topic=topic, closed_at__isnull=False).select_related("topic")]
    return render(request, "deliberation/board_topic.html", {"node": node, "topic": topic, "votes": votes,
                                                              "meeting": selectors.meeting_of(topic)})
