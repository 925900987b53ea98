#!/usr/bin/env python3
"""Acti-Motus (PyPI `acti-motus`, the Acti4 successor) and Sitless side by
side on the same realistic days, in Acti-Motus's thigh axis convention.

Not part of CI. Set up once, outside the repository:
    python3 -m venv ~/.venvs/acti-motus && ~/.venvs/acti-motus/bin/pip install acti-motus
then:
    cargo run --release --example posture_eval -- 20 16 --csv target/peer
    ~/.venvs/acti-motus/bin/python scripts/acti-motus-peer.py target/peer

Per day it prints the per-second agreement of each with the truth on
sedentary (sitting, lying) vs not, over the seconds both classified.
"""

import glob
import logging
import os
import statistics
import sys

import pandas as pd
from actimotus import Activities, Features

SEDENTARY_TRUTH = {"Sitting", "Lying"}
SEDENTARY_PEER = {"sit", "lie"}


def peer_day(path):
    raw = pd.read_csv(path)
    idx = pd.to_datetime(raw["t_ms"], unit="ms", utc=True)
    df = pd.DataFrame(
        {"acc_x": raw["ax"].values, "acc_y": raw["ay"].values, "acc_z": raw["az"].values},
        index=idx,
    )
    df.index.name = "datetime"
    df = df[~df.index.duplicated()].sort_index()
    features = Features(calibrate=False).compute(df)
    activities, _ = Activities(vendor="Other").compute(features)
    col = activities["activity"] if "activity" in activities else activities.iloc[:, 0]
    epoch = pd.Timestamp(0, tz="UTC")
    secs = [int((t - epoch) // pd.Timedelta(seconds=1)) for t in col.index]
    return dict(zip(secs, col.astype(str)))


def main(folder):
    logging.disable(logging.WARNING)
    rows = []
    for raw in sorted(glob.glob(os.path.join(folder, "*.csv"))):
        if raw.endswith(".truth.csv") or raw.endswith(".sitless.csv"):
            continue
        base = raw[: -len(".csv")]
        truth = pd.read_csv(base + ".truth.csv")
        truth = dict(zip(map(int, truth["t_s"]), truth["truth"]))
        sit = pd.read_csv(base + ".sitless.csv")
        sit = dict(zip(map(int, sit["t_s"]), sit["state"]))
        peer = peer_day(raw)
        both = [t for t in truth if t in sit and t in peer and truth[t] != "Not worn"]
        if not both:
            continue
        agree_s = sum((truth[t] in SEDENTARY_TRUTH) == (sit[t] in SEDENTARY_TRUTH) for t in both)
        agree_p = sum((truth[t] in SEDENTARY_TRUTH) == (peer[t] in SEDENTARY_PEER) for t in both)
        # Without pedalling and rowing (real recordings name them
        # "Cycling"): Acti-Motus 2.4 without calibration calls them "sit".
        rest = [t for t in both if truth[t] != "Cycling"]
        rest_s = sum((truth[t] in SEDENTARY_TRUTH) == (sit[t] in SEDENTARY_TRUTH) for t in rest)
        rest_p = sum((truth[t] in SEDENTARY_TRUTH) == (peer[t] in SEDENTARY_PEER) for t in rest)
        rows.append((os.path.basename(base), len(both), agree_s / len(both), agree_p / len(both)))
        line = f"{rows[-1][0]:<10} {len(both):>6} s  Sitless {rows[-1][2]*100:6.2f} %  Acti-Motus {rows[-1][3]*100:6.2f} %"
        if len(rest) < len(both):
            line += f"  (without cycling and rowing: {rest_s / len(rest) * 100:6.2f} % / {rest_p / len(rest) * 100:6.2f} %)"
        print(line, flush=True)
    if rows:
        print(
            f"\nmedian: Sitless {statistics.median(r[2] for r in rows)*100:.2f} %, "
            f"Acti-Motus {statistics.median(r[3] for r in rows)*100:.2f} %; "
            f"Sitless >= Acti-Motus on {sum(r[2] >= r[3] for r in rows)} of {len(rows)} days"
        )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/peer")
