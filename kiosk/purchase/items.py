"""From catalog offers to what the flow dispenses.

The catalog numbers spray channels and bottle slots from 1, as printed inside the machine;
the dispenser board numbers them from 0. A spray's stock quantity is its doses times the
channel's calibrated dose in microlitres, which is machine calibration (service menu), not
catalog data.
"""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.catalog import BottleOffer, Catalog, Offer, SprayOffer
from kiosk.purchase.model import Dispensable, DispenseKind
from sync.protocol import Unit

DEFAULT_DOSE_UL = 100


def dispensable(offer: Offer, *, item_number: int, dose_ul: int = DEFAULT_DOSE_UL) -> Dispensable:
    if isinstance(offer, SprayOffer):
        return Dispensable(
            sku=offer.sku,
            kind=DispenseKind.SPRAY,
            target=offer.channel - 1,
            doses=offer.doses,
            stock_qty=offer.stock_quantity(dose_ul),
            unit=Unit.MICROLITRE,
            item_number=item_number,
        )
    assert isinstance(offer, BottleOffer)
    return Dispensable(
        sku=offer.sku,
        kind=DispenseKind.BOTTLE,
        target=offer.slot - 1,
        doses=1,
        stock_qty=1,
        unit=Unit.UNIT,
        item_number=item_number,
    )


def dispensables(
    catalog: Catalog, doses_ul: Mapping[int, int] | None = None
) -> dict[str, Dispensable]:
    """Every offer of the catalog by SKU; ``doses_ul`` maps board channel → calibrated µl."""
    doses = doses_ul or {}
    items = {}
    for number, offer in enumerate(catalog.offers, start=1):
        dose = DEFAULT_DOSE_UL
        if isinstance(offer, SprayOffer):
            dose = doses.get(offer.channel - 1, DEFAULT_DOSE_UL)
        items[offer.sku] = dispensable(offer, item_number=number, dose_ul=dose)
    return items
