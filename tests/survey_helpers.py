"""Builders shared by the survey-side tests: a small instrument and raw responses to it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from semwb.survey.instrument import Instrument, parse_instrument

REPO = Path(__file__).resolve().parents[1]
SEED_INSTRUMENT = REPO / "surveys" / "alliance_portfolio_innovation.yaml"
EXAMPLE_DATA = REPO / "surveys" / "examples" / "alliance.csv"

SMALL_YAML = """\
instrument: small
version: 1
title: {en: Small test instrument, zh: 测试问卷}
scale: {min: 1, max: 5}
constructs:
  TR:
    name: {en: Trust, zh: 信任}
    source: test
    items:
      - {id: tr1, text: {en: "Partners keep their word.", zh: "伙伴信守诺言。"}}
      - {id: tr2, text: {en: "Partners are honest with us.", zh: "伙伴对我们诚实。"}}
      - {id: tr3, text: {en: "Partners would exploit us.", zh: "伙伴会利用我们。"}, reverse: true}
  KS:
    name: {en: Knowledge sharing, zh: 知识共享}
    source: test
    items:
      - {id: ks1, text: {en: "We share documents.", zh: "我们分享文档。"}}
      - {id: ks2, text: {en: "We share know-how.", zh: "我们分享诀窍。"}}
      - {id: ks3, text: {en: "Partners answer our questions.", zh: "伙伴回答我们的问题。"}}
checks:
  - {id: att1, text: {en: "Choose 'Strongly disagree'.", zh: "请选择非常不同意。"}, expect: [1]}
"""

ITEMS = ["tr1", "tr2", "tr3", "ks1", "ks2", "ks3"]


def small_instrument() -> Instrument:
    return parse_instrument(SMALL_YAML, source="small.yaml")


def small_responses(n: int = 60, seed: int = 7) -> pd.DataFrame:
    """Raw answers to the small instrument (tr3 reverse-worded), with id and duration columns."""
    rng = np.random.default_rng(seed)
    trust, share = rng.standard_normal(n), rng.standard_normal(n)
    cols = {}
    for name, factor in zip(ITEMS, [trust] * 3 + [share] * 3, strict=True):
        latent = 0.8 * factor + 0.6 * rng.standard_normal(n)
        cols[name] = np.clip(np.round(3 + latent), 1, 5).astype(int)
    cols["tr3"] = 6 - cols["tr3"]
    frame = pd.DataFrame(cols)
    frame.insert(0, "duration", rng.integers(60, 400, n))
    frame.insert(0, "rid", [f"r{i}" for i in range(1, n + 1)])
    frame["att1"] = 1
    return frame
