"""An offline stand-in for Adventure Works TransactionHistory, deterministic by seed.

It writes exactly the format of the OLTP install script's file: tab-separated,
no header, CRLF, nine columns, dates as `YYYY-MM-DD 00:00:00`, 2013-07-31 ...
2014-08-03. The shape follows the real table, so the hack's transform gives a
series that behaves like the real one (a level around 700, a strong weekly
pattern with low weekends, a mild trend, noisy days):

* W (work orders): ~85-110 rows a day, cost 0, heavy-tailed quantities;
* S (sales): online orders every day (mostly one accessory), and once a
  month, on its last day, a wave of reseller orders in bulk, bikes included;
* P (purchases): few on weekends, in spells of busy and quiet weeks,
  quantities 3 / 60 / 550 / 1250 of cheap components — they drive the
  weekly pattern of the daily mean.

Sales and work orders stop in June 2014 and purchases run on to August, as in
the real table (the hack's slice ends in May). Values are synthetic.
"""

from __future__ import annotations

from pathlib import Path

from ohcheck.atomic import write_atomic

FIRST_DAY = "2013-07-31"
LAST_DAY = "2014-08-03"
SALES_END = "2014-06-10"
WORK_END = "2014-06-05"


def generate_transaction_history(seed: int = 0) -> bytes:
    """The whole file, as bytes, for a given seed (same seed, same bytes)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    days = pd.date_range(FIRST_DAY, LAST_DAY, freq="D")
    sales_end, work_end = pd.Timestamp(SALES_END), pd.Timestamp(WORK_END)

    # Catalogues: a fixed price per product, drawn once per seed.
    sale_ids = np.arange(707, 1000)
    tier = rng.choice(5, size=sale_ids.size, p=[0.30, 0.30, 0.12, 0.13, 0.15])
    tier_low = np.array([2.0, 20.0, 50.0, 400.0, 1000.0])
    tier_high = np.array([10.0, 60.0, 300.0, 1000.0, 2450.0])
    sale_price = np.round(rng.uniform(tier_low[tier], tier_high[tier]), 4)
    sale_weight = np.where(tier <= 1, 3.0, 1.0)
    sale_weight /= sale_weight.sum()
    buy_ids = np.concatenate([np.arange(1, 531), np.arange(900, 1000)])
    buy_ids = rng.choice(buy_ids, size=211, replace=False)
    buy_qty = rng.choice([3, 60, 550, 1250], size=buy_ids.size, p=[0.47, 0.09, 0.43, 0.01])
    buy_cost = np.round(np.where(buy_qty >= 550, rng.uniform(5, 50, buy_ids.size), rng.uniform(0.2, 83, buy_ids.size)), 4)
    work_ids = rng.choice(np.arange(3, 1000), size=189, replace=False)

    # Purchasing comes in busy and quiet spells: an AR(1) intensity on the log scale.
    spell = np.empty(days.size)
    level = 0.0
    for i in range(days.size):
        level = 0.5 * level + rng.normal(0.0, 0.25)
        spell[i] = np.exp(level)
    purchases_by_weekday = np.array([29.0, 22.0, 29.0, 30.0, 24.0, 6.0, 10.0])

    rows: list[tuple] = []
    sales_order = 53450
    work_order, purchase_order = 41590, 417
    for i, day in enumerate(days):
        trend = i / days.size
        weekday = day.day_of_week
        # Work orders: cost 0, quantities mostly small with a long tail.
        if day <= work_end:
            for _ in range(rng.poisson(86 + 24 * trend)):
                qty = int(rng.geometric(0.18)) if rng.random() < 0.97 else int(rng.lognormal(6.0, 1.6)) + 1
                rows.append((day, int(rng.choice(work_ids)), work_order, 0, "W", qty, 0.0))
                work_order += 1
        # Sales: online orders every day; reseller orders on the last day of a month.
        if day <= sales_end:
            online = rng.poisson((55 + 18 * trend) * (0.85 if weekday >= 5 else 1.0))
            resellers = 0
            if day.is_month_end:
                # Resellers order once a month, in bulk; the table opens on such a day.
                resellers = rng.poisson(80 if i == 0 else 35)
            for order in range(online + resellers):
                reseller = order >= online
                lines = int(rng.integers(10, 72)) if reseller else min(int(rng.geometric(0.42)), 8)
                # Shoppers mostly buy accessories; resellers buy across the range, bikes included.
                picks = rng.choice(sale_ids.size, size=lines, p=None if reseller else sale_weight)
                for line, pick in enumerate(picks, start=1):
                    if reseller:
                        qty = min(int(rng.geometric(0.27)), 41)
                    else:
                        qty = 1 if rng.random() < 0.95 else int(rng.integers(2, 6))
                    cost = sale_price[pick] * (0.6 if reseller else 1.0)
                    rows.append((day, int(sale_ids[pick]), sales_order, line, "S", qty, round(cost, 4)))
                sales_order += 1
        # Purchases: few at weekends, busy and quiet spells, cheap parts in bulk.
        if rng.random() > (0.35 if weekday >= 5 else 0.12):
            count = rng.poisson(purchases_by_weekday[weekday] * spell[i])
            line = 0
            for _ in range(count):
                if line == 0 or rng.random() < 0.4:
                    purchase_order += 1
                    line = 0
                line += 1
                pick = int(rng.integers(buy_ids.size))
                cost = buy_cost[pick] * rng.uniform(0.97, 1.03)
                rows.append((day, int(buy_ids[pick]), purchase_order, line, "P", int(buy_qty[pick]), round(cost, 4)))

    lines = []
    for number, (day, product, ref, ref_line, kind, qty, cost) in enumerate(rows, start=100000):
        stamp = f"{day:%Y-%m-%d} 00:00:00"
        lines.append(f"{number}\t{product}\t{ref}\t{ref_line}\t{stamp}\t{kind}\t{qty}\t{_cost(cost)}\t{stamp}\r\n")
    return "".join(lines).encode("ascii")


def _cost(value: float) -> str:
    """Money as the install script writes it: up to four decimals, no trailing zeros."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text or "0"


def write_transaction_history(path: Path, seed: int = 0) -> Path:
    """Write a synthetic TransactionHistory.csv to `path` (atomically)."""
    write_atomic(Path(path), generate_transaction_history(seed))
    return Path(path)
