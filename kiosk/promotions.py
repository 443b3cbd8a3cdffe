"""Promotion rules and the engine that decides which discounts each cart line gets.

Offers the rule model (:class:`Promotion`, :class:`Target`, :class:`TimeWindow`), the parser of
a catalog's ``promotions`` section (:func:`parse_promotion`, called by ``kiosk.catalog``) and
:func:`discount_lines`, which :func:`kiosk.pricing.quote` uses. Rules (also in
``docs/pricing.md``):

- a promotion is *active* when the priced instant, in the catalog time zone, falls in one of
  its windows (or it has none) and, if ``members_only``, a verified member is present;
- each candidate discount is computed on the line's list total, rounded half up;
- per line the best single ``EXCLUSIVE`` candidate applies (ties: higher priority, then id),
  then every ``STACKABLE`` one by priority, each capped at what is left of the line's price;
- a bundle rewards one target unit per trigger unit in the cart (of the same product when
  ``same_product``), in cart order; a line matching the trigger is never a reward line.
"""

from __future__ import annotations

import enum
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time

from kiosk.catalog import ID_RE, FieldReader, Offer, OfferKind
from kiosk.localized import NO_TRANSLATIONS, Localized, parse_i18n
from kiosk.money import Money, div_round_half_up

_HHMM_RE = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
BP = 10_000  # basis points in 100 %
# The discount id of a loyalty-points redemption (kiosk.pricing); no promotion may use it.
LOYALTY_REDEMPTION_ID = "loyalty-redemption"


class Stacking(enum.Enum):
    EXCLUSIVE = "exclusive"  # competes: only the best exclusive discount applies to a line
    STACKABLE = "stackable"  # applies on top of the best exclusive one


class PromotionType(enum.Enum):
    PERCENT_OFF = "percentOff"
    FIXED_OFF = "fixedOff"
    BUNDLE = "bundle"
    MEMBER_PRICE = "memberPrice"


class Weekday(enum.Enum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


_WEEK = tuple(Weekday)  # index = datetime.weekday()


@dataclass(frozen=True)
class Target:
    """Which offers a rule covers: an offer matches if it passes every non-empty filter."""

    kinds: frozenset[OfferKind] = frozenset()
    product_ids: frozenset[str] = frozenset()
    skus: frozenset[str] = frozenset()

    def matches(self, offer: Offer) -> bool:
        return (
            (not self.kinds or offer.kind in self.kinds)
            and (not self.product_ids or offer.product_id in self.product_ids)
            and (not self.skus or offer.sku in self.skus)
        )


@dataclass(frozen=True)
class TimeWindow:
    """Local wall-clock window on some weekdays, ``start`` included, ``end`` excluded. When
    ``end < start`` it runs past midnight and belongs to the day it starts on
    (Fri 22:00-02:00 covers Saturday 01:00)."""

    days: frozenset[Weekday]
    start: time
    end: time

    def contains(self, local: datetime) -> bool:
        day, at = _WEEK[local.weekday()], local.time().replace(tzinfo=None)
        if self.start < self.end:
            return day in self.days and self.start <= at < self.end
        yesterday = _WEEK[(local.weekday() - 1) % 7]
        return (day in self.days and at >= self.start) or (yesterday in self.days and at < self.end)


@dataclass(frozen=True)
class Promotion:
    """One rule. ``percent_bp`` is set for PERCENT_OFF and BUNDLE (10000 = free),
    ``amount_off`` (per unit) for FIXED_OFF, ``member_price`` (per unit) for MEMBER_PRICE,
    ``trigger`` for BUNDLE."""

    id: str
    label: str
    type: PromotionType
    target: Target
    priority: int
    stacking: Stacking
    members_only: bool
    windows: tuple[TimeWindow, ...]  # empty: always
    percent_bp: int | None = None
    amount_off: Money | None = None
    member_price: Money | None = None
    trigger: Target | None = None
    same_product: bool = False
    i18n: Localized = NO_TRANSLATIONS  # "label" in other languages

    def label_for(self, language: str) -> str:
        """The shopper-facing label in ``language`` (``"fr"``), falling back to English."""
        return self.i18n.get("label", language, self.label)

    def is_active(self, local: datetime, *, has_member: bool) -> bool:
        """True at catalog-local time ``local`` for a cart with (or without) a verified member."""
        if self.members_only and not has_member:
            return False
        return not self.windows or any(w.contains(local) for w in self.windows)


@dataclass(frozen=True)
class LineDiscount:
    """One discount granted to one cart line."""

    promotion_id: str
    label: str
    amount: Money


def discount_lines(
    lines: Sequence[tuple[Offer, int]], promotions: Sequence[Promotion], currency: str
) -> tuple[tuple[LineDiscount, ...], ...]:
    """The discounts of each ``(offer, quantity)`` line, given the *active* promotions.

    Never grants a line more than its list total; amounts are positive."""
    bundles = [p for p in promotions if p.type is PromotionType.BUNDLE]
    rewards = {p.id: _bundle_rewards(p, lines) for p in bundles}
    out: list[tuple[LineDiscount, ...]] = []
    for index, (offer, qty) in enumerate(lines):
        candidates = []
        for promo in promotions:
            units = rewards[promo.id][index] if promo.id in rewards else 0
            amount = _candidate(promo, offer, qty, units)
            if amount > 0:
                candidates.append((promo, amount))
        out.append(_select(candidates, offer.list_price.amount_minor * qty, currency))
    return tuple(out)


def _candidate(promo: Promotion, offer: Offer, qty: int, reward_units: int) -> int:
    """What ``promo`` alone would take off this line's list total (may exceed it)."""
    unit = offer.list_price.amount_minor
    if not promo.target.matches(offer):
        return 0
    match promo.type:
        case PromotionType.PERCENT_OFF:
            return div_round_half_up(unit * qty * (promo.percent_bp or 0), BP)
        case PromotionType.FIXED_OFF:
            return (promo.amount_off.amount_minor if promo.amount_off else 0) * qty
        case PromotionType.MEMBER_PRICE:
            price = promo.member_price.amount_minor if promo.member_price else unit
            return max(0, unit - price) * qty
        case PromotionType.BUNDLE:
            return div_round_half_up(unit * reward_units * (promo.percent_bp or 0), BP)


def _bundle_rewards(promo: Promotion, lines: Sequence[tuple[Offer, int]]) -> tuple[int, ...]:
    """Per line, how many units ``promo`` rewards: one per trigger unit, in cart order."""
    trigger = promo.trigger or Target()
    pool: Counter[str] = Counter()  # trigger units left, by product (or "" for any product)
    for offer, qty in lines:
        if trigger.matches(offer):
            pool[offer.product_id if promo.same_product else ""] += qty
    out = []
    for offer, qty in lines:
        key = offer.product_id if promo.same_product else ""
        take = 0
        if promo.target.matches(offer) and not trigger.matches(offer):
            take = min(qty, pool[key])
            pool[key] -= take
        out.append(take)
    return tuple(out)


def _select(
    candidates: list[tuple[Promotion, int]], line_total: int, currency: str
) -> tuple[LineDiscount, ...]:
    exclusive = [c for c in candidates if c[0].stacking is Stacking.EXCLUSIVE]
    stackable = [c for c in candidates if c[0].stacking is Stacking.STACKABLE]
    chosen = sorted(exclusive, key=lambda c: (-c[1], -c[0].priority, c[0].id))[:1]
    chosen += sorted(stackable, key=lambda c: (-c[0].priority, c[0].id))
    left = line_total
    out = []
    for promo, amount in chosen:
        take = min(amount, left)
        if take > 0:
            out.append(LineDiscount(promo.id, promo.label, Money(take, currency)))
            left -= take
    return tuple(out)


# --- the catalog's "promotions" section -------------------------------------------------------

_COMMON = frozenset({"appliesTo", "priority", "stacking", "membersOnly", "windows", "i18n"})
_SPECIFIC = frozenset({"percentBp", "amountOffMinor", "priceMinor", "trigger", "sameProduct"})
_BY_TYPE = {
    PromotionType.PERCENT_OFF: ({"percentBp"}, frozenset()),
    PromotionType.FIXED_OFF: ({"amountOffMinor"}, frozenset()),
    PromotionType.MEMBER_PRICE: ({"priceMinor"}, frozenset()),
    PromotionType.BUNDLE: ({"trigger"}, frozenset({"percentBp", "sameProduct"})),
}


def parse_promotion(r: FieldReader, currency: str, offers: Mapping[str, Offer]) -> Promotion:
    """Validate one entry of the catalog's ``promotions`` array (paths in errors)."""
    r.obj({"id", "label", "type"}, _COMMON | _SPECIFIC)
    ptype = r.choice("type", PromotionType)
    required, optional = _BY_TYPE[ptype]
    for key in sorted(_SPECIFIC - required - optional):
        if r.has(key):
            r.fail(f"not used by type {ptype.value!r}", key)
    r.obj({"id", "label", "type"} | required, _COMMON | optional)
    r.claim("id", "promotion", promo_id := r.ident("id"))
    if promo_id == LOYALTY_REDEMPTION_ID:
        r.fail("reserved for loyalty-points redemption", "id")
    target = _parse_target(r.child("appliesTo"), offers) if r.has("appliesTo") else Target()
    members_only = r.flag("membersOnly", default=ptype is PromotionType.MEMBER_PRICE)
    if ptype is PromotionType.MEMBER_PRICE:
        if not members_only:
            r.fail("a member price is always members-only", "membersOnly")
        if not target.skus:
            r.fail("a member price must name its SKUs", "appliesTo")
    trigger = _parse_target(r.child("trigger"), offers) if r.has("trigger") else None
    if trigger == Target():
        r.fail("a bundle trigger must name kinds, products or SKUs", "trigger")
    percent = (
        r.integer("percentBp", lo=1, hi=BP, default=BP)
        if ptype in (PromotionType.PERCENT_OFF, PromotionType.BUNDLE)
        else None
    )
    amount_off = r.integer("amountOffMinor", lo=1) if r.has("amountOffMinor") else None
    price = r.integer("priceMinor", lo=0) if r.has("priceMinor") else None
    return Promotion(
        id=promo_id,
        label=r.text("label"),
        type=ptype,
        target=target,
        priority=r.integer("priority", lo=-1000, hi=1000, default=0),
        stacking=r.choice("stacking", Stacking, default=Stacking.EXCLUSIVE),
        members_only=members_only,
        windows=tuple(_parse_window(w) for w in r.items("windows", default=[])),
        percent_bp=percent,
        amount_off=None if amount_off is None else Money(amount_off, currency),
        member_price=None if price is None else Money(price, currency),
        trigger=trigger,
        same_product=r.flag("sameProduct", default=False),
        i18n=parse_i18n(r, {"label": 80}),
    )


def _parse_target(r: FieldReader, offers: Mapping[str, Offer]) -> Target:
    r.obj(set(), frozenset({"kinds", "products", "skus"}))
    kinds = r.texts("kinds", max_len=16, optional=True)
    for i, kind in enumerate(kinds):
        if kind not in {k.value for k in OfferKind}:
            FieldReader(kind, f"{r.path}.kinds[{i}]").fail("expected 'spray' or 'bottle'")
    products = r.texts("products", max_len=64, pattern=ID_RE, optional=True)
    skus = r.texts("skus", max_len=64, pattern=ID_RE, optional=True)
    known_products = {o.product_id for o in offers.values()}
    for key, values, known in (("products", products, known_products), ("skus", skus, offers)):
        for i, value in enumerate(values):
            if value not in known:
                FieldReader(value, f"{r.path}.{key}[{i}]").fail(f"unknown {key[:-1]} {value!r}")
    return Target(frozenset(OfferKind(k) for k in kinds), frozenset(products), frozenset(skus))


def _parse_window(r: FieldReader) -> TimeWindow:
    r.obj({"days", "start", "end"})
    days = r.texts("days", max_len=3)
    if not days:
        r.fail("expected at least one day", "days")
    for i, day in enumerate(days):
        if day not in {d.value for d in Weekday}:
            FieldReader(day, f"{r.path}.days[{i}]").fail("expected one of mon, tue, ... sun")
    start = time.fromisoformat(r.text("start", max_len=5, pattern=_HHMM_RE))
    end = time.fromisoformat(r.text("end", max_len=5, pattern=_HHMM_RE))
    if start == end:
        r.fail("end must differ from start", "end")
    return TimeWindow(frozenset(Weekday(d) for d in days), start, end)
