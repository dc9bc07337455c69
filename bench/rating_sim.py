"""Rating accuracy: does the supplier rating rank suppliers by their true quality?

    .venv/bin/python bench/rating_sim.py            # 40 suppliers, checkpoints 50/200/500
    .venv/bin/python bench/rating_sim.py --full     # ... and 1,000 leads per supplier
    .venv/bin/python bench/rating_sim.py --smoke    # 8 suppliers, 20 leads: proves it works

Forty suppliers have a known share of bad leads, evenly from 2% to 60%. Every
lead goes through the real services, in its own database (leadmarket_bench_rating,
127.0.0.1 only): intake (``lead_submit_batch``: a supplier with more bad leads
also resends more people the segment already has, rejected as duplicates),
purchase (``purchase_create``, pay per lead, by one of ten buyers), outcomes
(``purchase_outcome_set``/``purchase_action_report``), returns
(``return_request``; a bad lead's phone is dead in a third of cases, which the
objective check confirms), the supplier's answer (``return_accept`` /
``return_contest``, or none: ``returns_accept_unanswered`` after respond_by,
the cap sending over-returning buyers to a moderator), the moderator's
``dispute_resolve`` (right 90% of the time) and ``ratings_recompute_all``.

Buyers return a bad lead with probability 0.8 and abuse returns on 5% of good
leads; suppliers accept 70% of returns of bad leads and contest 80% of abusive
ones; buyers report an outcome for 60% of their purchases.

Leads are free (price 0): the ledger is not what is measured, and without it a
sale costs half the time; every other step is the production code path. Each
supplier's round is one database transaction (the services nest as savepoints)
and the session runs with ``synchronous_commit = off``, for the same reason.
The return emails are not sent (``--emails`` sends them): in production a Celery
worker sends them after the commit, and the simulated organizations have no
members to mail, so the eager task only cost a fifth of the run. The rating is
recomputed once per checkpoint with ``ratings_recompute_all``, the nightly job
(the 5-minute debounced pass runs the same function on fewer suppliers).

At each checkpoint (leads per supplier) the Spearman rank correlation between
the computed score and the true quality (1 - bad share) is printed.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchdb import DEFAULT_SERVER, check_local, django_setup, recreate_database

DB_NAME = "leadmarket_bench_rating"
P_RETURN_BAD = 0.8
P_ABUSE = 0.05
P_DEAD_PHONE = 1 / 3
P_SUPPLIER_ACCEPTS_BAD = 0.7
P_SUPPLIER_CONTESTS_ABUSE = 0.8
P_MODERATOR_RIGHT = 0.9
P_OUTCOME_REPORTED = 0.6


def ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            result[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return result


def spearman(xs: list[float], ys: list[float]) -> float:
    rx, ry = ranks(xs), ranks(ys)
    n = len(xs)
    mx, my = sum(rx) / n, sum(ry) / n
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx) ** 0.5
    vy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (vx * vy) if vx and vy else 0.0


class Sim:
    def __init__(self, suppliers: int, seed: int) -> None:
        from billing.models import AccountKind
        from billing.services import adjustment_post
        from marketplace.models import Organization, User

        self.rng = random.Random(seed)
        self.phone_seq = 0
        self.bad_share = [0.02 + (0.58 * i / max(suppliers - 1, 1)) for i in range(suppliers)]
        self.suppliers = [
            Organization.objects.create(name=f"Supplier {i:02d}", kind="supplier")
            for i in range(suppliers)
        ]
        self.buyers = [
            Organization.objects.create(name=f"Buyer {i}", kind="buyer") for i in range(10)
        ]
        for buyer in self.buyers:
            adjustment_post(
                organization=buyer,
                amount_cents=50_000_000,
                reason="Simulation funds",
                account_kind=AccountKind.BUYER_AVAILABLE,
            )
        self.moderator = User.objects.create_user(
            email="moderator@sim.example", password=None, is_staff=True
        )
        self.people: list[tuple[str, str]] = []  # (phone, email) already in the segment
        self.truth: dict[object, bool] = {}  # return id → was the lead bad?

    def _person(self) -> tuple[str, str]:
        self.phone_seq += 1
        n = self.phone_seq
        phone = f"+48 60{n // 1_000_000 % 10} {n // 1000 % 1000:03d} {n % 1000:03d}"
        return phone, f"person{n}@sim.example"

    def _payloads(self, index: int, count: int) -> list[tuple[dict, bool]]:
        from tests.factories import lead_payload

        out = []
        for _ in range(count):
            bad = self.rng.random() < self.bad_share[index]
            if bad and self.people and self.rng.random() < 0.25:
                phone, email = self.rng.choice(self.people)  # resent: a duplicate at intake
            else:
                phone, email = self._person()
                self.people.append((phone, email))
            payload = lead_payload(
                external_id=f"s{index}-{self.phone_seq}-{len(out)}-{self.rng.random()}",
                phone=phone,
                email=email,
                # Free leads: the ledger is not what is measured here, and without it
                # the run is twice as fast (returns of free sales move no money).
                price="0.00",
                cpa_price=None,
            )
            out.append((payload, bad))
        return out

    def round(self, leads_per_supplier: int) -> None:
        """``leads_per_supplier`` more leads sent by each supplier, sold and followed up."""
        from django.db import transaction

        from suppliers.services import lead_submit_batch

        for index, supplier in enumerate(self.suppliers):
            payloads = self._payloads(index, leads_per_supplier)
            # One transaction per supplier's round: the services nest as savepoints,
            # and the run is not bound by a WAL flush per sale.
            with transaction.atomic():
                results = lead_submit_batch(supplier=supplier, payloads=[p for p, _ in payloads])
                for (_, bad), item in zip(payloads, results, strict=True):
                    lead = item.result.lead if item.result else None
                    if lead is not None and lead.status == "available":
                        self._sell(supplier, lead, bad)
        self._time_passes()

    def _sell(self, supplier, lead, bad: bool) -> None:
        from buyers.services import purchase_action_report, purchase_create, purchase_outcome_set
        from marketplace.errors import ApplicationError
        from marketplace.models import Lead
        from quality.services import return_request

        buyer = self.rng.choice(self.buyers)
        try:
            sale = purchase_create(buyer=buyer, lead_id=lead.pk, billing_model="cpl")
        except ApplicationError:
            return
        rng = self.rng
        if bad and rng.random() < P_DEAD_PHONE:
            Lead.objects.filter(pk=lead.pk).update(phone="+48 12")
        if rng.random() < P_OUTCOME_REPORTED:
            try:
                if bad:
                    purchase_outcome_set(buyer=buyer, sale_id=sale.pk, outcome="unreachable")
                elif rng.random() < 0.75:
                    purchase_outcome_set(buyer=buyer, sale_id=sale.pk, outcome="contacted")
                    if rng.random() < 0.2:
                        purchase_action_report(buyer=buyer, sale_id=sale.pk)
                else:
                    purchase_outcome_set(buyer=buyer, sale_id=sale.pk, outcome="refused")
            except ApplicationError:
                pass
        if (bad and rng.random() < P_RETURN_BAD) or (not bad and rng.random() < P_ABUSE):
            # A buyer who finds a bad lead claims a dead phone half the time, dead or not:
            # the objective check confirms only the dead ones.
            reason = "invalid_phone" if bad and rng.random() < 0.5 else "wrong_person"
            try:
                ret = return_request(buyer=buyer, sale_id=sale.pk, reason=reason)
            except ApplicationError:
                return
            self.truth[ret.pk] = bad
            if ret.status == "requested":
                self._answer(supplier, ret, bad)

    def _answer(self, supplier, ret, bad: bool) -> None:
        from quality.services import return_accept, return_contest

        rng = self.rng
        if bad and rng.random() < P_SUPPLIER_ACCEPTS_BAD:
            return_accept(supplier=supplier, return_id=ret.pk)
        elif not bad and rng.random() < P_SUPPLIER_CONTESTS_ABUSE:
            return_contest(supplier=supplier, return_id=ret.pk, comment="The lead is good")
            self._moderate(ret, bad)
        # else: no answer; accepted (or sent to a moderator) when respond_by passes

    def _moderate(self, ret, bad: bool) -> None:
        from quality.models import Dispute
        from quality.services import dispute_resolve

        right = "refund" if bad else "reject"
        wrong = "reject" if bad else "refund"
        decision = right if self.rng.random() < P_MODERATOR_RIGHT else wrong
        dispute = Dispute.objects.get(ret_id=ret.pk)
        dispute_resolve(dispute_id=dispute.pk, moderator=self.moderator, decision=decision)

    def _time_passes(self) -> None:
        """respond_by passes: unanswered returns are accepted, or escalated when the
        buyer is over its cap; moderators decide the escalated ones (right 90%)."""
        from django.utils import timezone

        from quality.models import Dispute, ReturnStatus
        from quality.services import returns_accept_unanswered

        later = timezone.now() + timedelta(days=3)
        while returns_accept_unanswered(now=later, batch=1000):
            pass
        for dispute in Dispute.objects.filter(status="open").select_related("ret"):
            if dispute.ret.status == ReturnStatus.DISPUTED:
                self._moderate(dispute.ret, self.truth[dispute.ret.pk])

    def correlation(self) -> tuple[float, list[int]]:
        from marketplace.models import Organization
        from quality.services.rating import ratings_recompute_all

        ratings_recompute_all()
        scores = [Organization.objects.get(pk=s.pk).rating_score or 0 for s in self.suppliers]
        truth = [1 - q for q in self.bad_share]
        return spearman([float(s) for s in scores], truth), scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default=DEFAULT_SERVER)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--full", action="store_true", help="also 1,000 leads per supplier")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--emails", action="store_true", help="send the return emails too")
    parser.add_argument("--database", default=DB_NAME, help="its own database, dropped first")
    args = parser.parse_args()
    check_local(args.server, "rating_sim.py")
    django_setup(recreate_database(args.server, args.database))
    from django.conf import settings
    from django.db import connection

    settings.CELERY_TASK_ALWAYS_EAGER = True
    if not args.emails:
        from quality.tasks import send_return_email

        send_return_email.delay = lambda *args, **kwargs: None
    with connection.cursor() as cursor:  # accuracy, not speed, is measured here
        cursor.execute("SET synchronous_commit TO off")
    suppliers = 8 if args.smoke else 40
    checkpoints = (
        [10, 20] if args.smoke else ([50, 200, 500, 1000] if args.full else [50, 200, 500])
    )
    sim = Sim(suppliers, args.seed)
    done = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    print(f"{suppliers} suppliers, bad share 2%..60%, seed {args.seed}")
    for checkpoint in checkpoints:
        sim.round(checkpoint - done)
        done = checkpoint
        rho, scores = sim.correlation()
        from django.db.models import Count

        from marketplace.models import Sale
        from quality.models import Dispute

        causes = dict(Dispute.objects.values_list("cause").annotate(n=Count("id")))
        print(
            f"{checkpoint:>5} leads/supplier  sales {Sale.objects.count():>6}  "
            f"spearman {rho:.3f}  scores {min(scores)}..{max(scores)}  "
            f"({time.perf_counter() - started:.0f} s, {time.process_time() - cpu_started:.0f} s CPU"
            f" here, load {os.getloadavg()[0]:.1f})  disputes by cause {causes}",
            flush=True,
        )


if __name__ == "__main__":
    main()
