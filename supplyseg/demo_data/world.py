"""The generation context shared by the monthly steps."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .behaviour import Behaviour
from .config import Profile
from .demand import Demand
from .masters import Customers, Products, ShipTos, Units
from .timeline import Timeline


@dataclass
class World:
    """Everything the monthly steps read: masters, demand, prices, timeline and profile."""

    profile: Profile
    timeline: Timeline
    units: Units
    customers: Customers
    ship_tos: ShipTos
    products: Products
    demand: Demand
    fx: dict[str, np.ndarray]  # currency -> rate_to_reporting per month
    unit_share: np.ndarray  # [unit, month]
    behaviour: Behaviour  # planted customer behaviour groups
