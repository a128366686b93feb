"""Smart dispatch (智能派单): suggest the lead unit (主办单位) for a ticket from its text.

Pure Python, no network and no downloaded model: the text is segmented with ``rjieba`` (plus
character bigrams of every run of Chinese characters, which keeps rare words and typos useful),
stop-words and punctuation are dropped, and a multinomial Naive Bayes classifier with
Laplace/Lidstone smoothing is trained on past dispatched tickets (text → lead unit code).

The whole API::

    model = train([(text, unit_code), ...])
    model.predict("小区路灯坏了", top_k=3)     # [("D-URBAN", 0.91), ("D-POWER", 0.05), ...]
    Model.from_json(model.to_json())

    suggest_units(text, division=None)          # uses the persisted model; [] when untrained
    dispatch_suggestion(text=..., division=..., matter_type=...)  # + catalogue fallback

A trained model is saved as JSON to ``settings.VAR_DIR / "hotline_classifier.json"`` (override with
``YIWANG_HOTLINE_CLASSIFIER_PATH``) and cached in the process, reloaded when the file changes.
``manage.py train_dispatch_classifier`` retrains from the database and reports held-out accuracy;
a huey periodic task (``hotline.classifier_tasks``) retrains nightly.

**Township-owned matters.** Some matters (村务, 邻里纠纷 …) go to the service centre of whatever
township the ticket is in, so the unit is not a function of the text. Training rows may carry the
township's division code as a third element, and ``is_local(unit_code)`` tells which units are
township units: their rows are learnt under the single label :data:`LOCAL_LABEL`, and the model
remembers which unit serves each township (``local_units``). Prediction resolves
:data:`LOCAL_LABEL` back to the unit of the ticket's township (suggestions that cannot be resolved
are left out). A suggestion whose confidence is below
``confidence_threshold()`` (``YIWANG_HOTLINE_CLASSIFIER_THRESHOLD``, default 0.5) is shown as a hint
only, and the dispatch catalogue (派单目录) decides.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rjieba
from django.conf import settings

FORMAT = "yiwang-hotline-nb/1"
LOCAL_LABEL = "@township"
DEFAULT_ALPHA = 0.3
DEFAULT_THRESHOLD = 0.5

# Function words and hotline boilerplate that say nothing about which unit is responsible.
STOP_WORDS = frozenset(
    """
    的 了 是 在 和 与 及 或 就 都 也 还 又 很 太 最 更 把 被 让 给 对 向 从 到 于 为 以 而 并 但 却 如 若
    这 那 此 其 之 个 些 每 各 该 本 么 吗 呢 吧 啊 呀 哦 嗯 哈 着 过 得 地 所 将 已 已经 曾 正在 一直
    我 我们 你 你们 他 他们 她 它 它们 自己 大家 咱们 本人 市民 群众 来电 来电人 反映 反应 表示 称 说
    希望 请求 要求 请 恳请 帮忙 帮助 一下 尽快 及时 相关 有关 部门 处理 解决 问题 情况 事情 目前 现在
    时候 时间 今天 昨天 最近 近期 一个 一些 这个 那个 这些 那些 什么 怎么 怎样 如何 为什么 哪里 多少 没有
    不 没 无 有 能 能否 可以 是否 需要 应该 可能 进行 存在 出现 发现 导致 造成 影响 非常 特别 比较 严重
    一 二 三 两 几 多 上 下 里 中 后 前 内 外 等 啥 咋 谢谢 您好 你好 喂
    """.split()
)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"^[\w\u3400-\u4dbf\u4e00-\u9fff]+$")
_DIGITS = re.compile(r"^[\d.]+$")


def tokenize(text: str) -> list[str]:
    """Words from ``rjieba`` (lower-cased, no stop-words, punctuation or bare numbers) plus
    ``"_" + bigram`` for every pair of adjacent Chinese characters."""
    text = (text or "").strip()
    if not text:
        return []
    tokens: list[str] = []
    for word in rjieba.cut(text):
        word = word.strip().lower()
        if not word or word in STOP_WORDS or not _WORD.match(word) or _DIGITS.match(word):
            continue
        tokens.append(word)
    for run in _CJK.findall(text):
        tokens.extend("_" + run[i : i + 2] for i in range(len(run) - 1))
    return tokens


@dataclass
class Model:
    """A multinomial Naive Bayes model over :func:`tokenize` features."""

    labels: list[str]
    class_docs: dict[str, int]
    token_counts: dict[str, dict[str, int]]  # label -> token -> count
    alpha: float = DEFAULT_ALPHA
    trained_on: int = 0
    metrics: dict[str, Any] = field(default_factory=dict)
    local_units: dict[str, str] = field(default_factory=dict)  # township division code -> unit code
    _vocab_size: int = field(init=False, repr=False, default=0)
    _totals: dict[str, int] = field(init=False, repr=False, default_factory=dict)
    _log_prior: dict[str, float] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        vocab: set[str] = set()
        for counts in self.token_counts.values():
            vocab.update(counts)
        self._vocab_size = max(len(vocab), 1)
        self._totals = {label: sum(self.token_counts.get(label, {}).values()) for label in self.labels}
        docs = sum(self.class_docs.values()) or 1
        self._log_prior = {
            label: math.log((self.class_docs.get(label, 0) + 1) / (docs + len(self.labels))) for label in self.labels
        }

    def log_scores(self, text: str) -> dict[str, float]:
        tokens = Counter(tokenize(text))
        scores: dict[str, float] = {}
        for label in self.labels:
            counts = self.token_counts.get(label, {})
            denominator = math.log(self._totals[label] + self.alpha * self._vocab_size)
            score = self._log_prior[label]
            for token, n in tokens.items():
                score += n * (math.log(counts.get(token, 0) + self.alpha) - denominator)
            scores[label] = score
        return scores

    def predict(self, text: str, top_k: int = 3, *, township: str | None = None) -> list[tuple[str, float]]:
        """The ``top_k`` most likely unit codes with their posterior probabilities (best first).

        :data:`LOCAL_LABEL` is replaced by the unit serving ``township`` (a township division code);
        without one it is left out. Empty when the model has no labels or the text no usable token."""
        if not self.labels or not tokenize(text):
            return []
        scores = self.log_scores(text)
        peak = max(scores.values())
        weights = {label: math.exp(s - peak) for label, s in scores.items()}
        total = sum(weights.values())
        merged: dict[str, float] = defaultdict(float)
        for label, weight in weights.items():
            if label == LOCAL_LABEL:
                unit = self.local_units.get(township or "")
                if not unit:
                    continue
                label = unit
            merged[label] += weight / total
        ranked = sorted(merged.items(), key=lambda item: (-item[1], item[0]))
        return ranked[: max(top_k, 1)]

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "alpha": self.alpha,
                "labels": self.labels,
                "class_docs": self.class_docs,
                "token_counts": self.token_counts,
                "trained_on": self.trained_on,
                "metrics": self.metrics,
                "local_units": self.local_units,
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, data: str | bytes) -> Model:
        raw = json.loads(data)
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise ValueError("not a Yiwang dispatch classifier model")
        return cls(
            labels=[str(label) for label in raw["labels"]],
            class_docs={str(k): int(v) for k, v in raw["class_docs"].items()},
            token_counts={str(k): {str(t): int(n) for t, n in v.items()} for k, v in raw["token_counts"].items()},
            alpha=float(raw.get("alpha", DEFAULT_ALPHA)),
            trained_on=int(raw.get("trained_on", 0)),
            metrics=dict(raw.get("metrics") or {}),
            local_units={str(k): str(v) for k, v in (raw.get("local_units") or {}).items()},
        )


Row = tuple[str, str] | tuple[str, str, str]


def _unpack(row: Sequence[str]) -> tuple[str, str, str]:
    text, label = row[0], row[1]
    township = row[2] if len(row) > 2 else ""
    return text or "", (label or "").strip(), (township or "").strip()


def train(
    rows: Iterable[Row], *, alpha: float = DEFAULT_ALPHA, is_local: Callable[[str], bool] | None = None
) -> Model:
    """Train on ``(text, unit_code)`` or ``(text, unit_code, township_code)`` rows.

    Rows with an empty text or unit are skipped. With ``is_local``, rows whose unit is a township
    unit (and that carry a township code) are learnt as :data:`LOCAL_LABEL`."""
    class_docs: Counter[str] = Counter()
    token_counts: dict[str, Counter[str]] = defaultdict(Counter)
    local_votes: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        text, label, township = _unpack(row)
        tokens = tokenize(text)
        if not label or not tokens:
            continue
        if is_local is not None and township and is_local(label):
            local_votes[township][label] += 1
            label = LOCAL_LABEL
        class_docs[label] += 1
        token_counts[label].update(tokens)
    labels = sorted(class_docs)
    return Model(
        labels=labels,
        class_docs=dict(class_docs),
        token_counts={label: dict(token_counts[label]) for label in labels},
        alpha=alpha,
        trained_on=sum(class_docs.values()),
        local_units={t: votes.most_common(1)[0][0] for t, votes in sorted(local_votes.items())},
    )


# --- Evaluation ---------------------------------------------------------------------------------


def split_rows(
    rows: Sequence[Row], *, test_fraction: float = 0.25, seed: int = 12345
) -> tuple[list[Row], list[Row]]:
    """A deterministic stratified split: about ``test_fraction`` of every label is held out
    (labels with a single example stay in training)."""
    by_label: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_label[row[1]].append(row)
    rng = random.Random(seed)
    train_rows: list[Row] = []
    test_rows: list[Row] = []
    for label in sorted(by_label):
        items = list(by_label[label])
        rng.shuffle(items)
        n_test = int(round(len(items) * test_fraction)) if len(items) > 1 else 0
        n_test = min(n_test, len(items) - 1)
        test_rows.extend(items[:n_test])
        train_rows.extend(items[n_test:])
    return train_rows, test_rows


def evaluate(model: Model, rows: Sequence[Row], *, top_k: int = 3) -> dict[str, Any]:
    """Accuracy, top-k accuracy and the majority-unit baseline of ``model`` on ``rows``
    (compared with the true unit codes, township labels resolved)."""
    if not rows:
        return {"n": 0, "accuracy": 0.0, f"top{top_k}_accuracy": 0.0, "baseline": 0.0, "majority_label": ""}
    hits = hits_k = 0
    for row in rows:
        text, label, township = _unpack(row)
        ranked = [code for code, _p in model.predict(text, top_k=top_k, township=township or None)]
        hits += bool(ranked) and ranked[0] == label
        hits_k += label in ranked
    counts = Counter({label: n for label, n in model.class_docs.items() if label != LOCAL_LABEL})
    majority = max(counts, key=lambda k: (counts[k], k)) if counts else ""
    baseline = sum(1 for row in rows if _unpack(row)[1] == majority) / len(rows)
    return {
        "n": len(rows),
        "accuracy": hits / len(rows),
        f"top{top_k}_accuracy": hits_k / len(rows),
        "baseline": baseline,
        "majority_label": majority,
    }


def train_and_evaluate(
    rows: Sequence[Row],
    *,
    test_fraction: float = 0.25,
    seed: int = 12345,
    alpha: float = DEFAULT_ALPHA,
    is_local: Callable[[str], bool] | None = None,
) -> tuple[Model, dict[str, Any]]:
    """Measure on a held-out split, then train the model to keep on *all* rows."""
    train_rows, test_rows = split_rows(rows, test_fraction=test_fraction, seed=seed)
    metrics = evaluate(train(train_rows, alpha=alpha, is_local=is_local), test_rows)
    metrics.update({"train": len(train_rows), "test": len(test_rows)})
    model = train(rows, alpha=alpha, is_local=is_local)
    model.metrics = metrics
    return model, metrics


# --- Persistence and the suggestion used by dispatch --------------------------------------------

_lock = threading.Lock()
_cache: dict[str, Any] = {"path": None, "mtime": None, "model": None}


def model_path() -> Path:
    override = os.environ.get("YIWANG_HOTLINE_CLASSIFIER_PATH")
    return Path(override) if override else Path(settings.VAR_DIR) / "hotline_classifier.json"


def confidence_threshold() -> float:
    raw: Any = getattr(settings, "HOTLINE_CLASSIFIER_THRESHOLD", None)
    if raw is None:
        raw = os.environ.get("YIWANG_HOTLINE_CLASSIFIER_THRESHOLD", DEFAULT_THRESHOLD)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return DEFAULT_THRESHOLD
    return min(max(value, 0.0), 1.0)


def save_model(model: Model, path: Path | None = None) -> Path:
    """Write ``model`` atomically (temp file + rename) and make this process use it."""
    path = path or model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(model.to_json(), encoding="utf-8")
    os.replace(tmp, path)
    with _lock:
        _cache.update(path=str(path), mtime=path.stat().st_mtime_ns, model=model)
    return path


def load_model(path: Path | None = None) -> Model | None:
    """The persisted model (cached per process, reloaded when the file changes); ``None`` if untrained."""
    path = path or model_path()
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return None
    with _lock:
        if _cache["path"] == str(path) and _cache["mtime"] == mtime:
            return _cache["model"]
    try:
        model = Model.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    with _lock:
        _cache.update(path=str(path), mtime=mtime, model=model)
    return model


def forget_model() -> None:
    """Drop the in-process cache (tests)."""
    with _lock:
        _cache.update(path=None, mtime=None, model=None)


def suggest_units(text: str, division: Any = None, *, top_k: int = 3) -> list[tuple[str, float]]:
    """Up to ``top_k`` ``(unit code, confidence)`` suggestions for a ticket's text, best first.

    ``division`` (the ticket's :class:`~yiwang.org.models.Division`, or a township code) resolves
    township-owned matters to that township's unit. ``[]`` when no model has been trained."""
    model = load_model()
    if model is None:
        return []
    township = division if isinstance(division, str) else township_code_of(division)
    return model.predict(text, top_k=top_k, township=township or None)


@dataclass(frozen=True)
class DispatchSuggestion:
    """What the dispatch page shows: the classifier's ranking, and the unit to preselect."""

    suggestions: list[tuple[str, float]]
    confident: bool
    unit_code: str  # preselected unit: the classifier's when confident, else the catalogue's
    source: str  # "classifier" | "catalogue" | "none"
    catalogue_code: str = ""
    threshold: float = DEFAULT_THRESHOLD


def dispatch_suggestion(
    *, text: str, division: Any = None, matter_type: Any = None, catalogue_code: str = ""
) -> DispatchSuggestion:
    """The classifier's suggestion, falling back to the dispatch catalogue when confidence is low.

    ``catalogue_code`` may be passed by a caller that already resolved the catalogue; otherwise
    the catalogue is looked up with :func:`catalogue_unit_code` for ``matter_type`` × ``division``."""
    threshold = confidence_threshold()
    suggestions = suggest_units(text, division)
    if not catalogue_code and matter_type is not None:
        catalogue_code = catalogue_unit_code(matter_type=matter_type, division=division)
    if suggestions and suggestions[0][1] >= threshold:
        return DispatchSuggestion(suggestions, True, suggestions[0][0], "classifier", catalogue_code, threshold)
    if catalogue_code:
        return DispatchSuggestion(suggestions, False, catalogue_code, "catalogue", catalogue_code, threshold)
    return DispatchSuggestion(suggestions, False, "", "none", "", threshold)


def catalogue_unit_code(*, matter_type: Any, division: Any = None) -> str:
    """The lead unit's department code from the dispatch catalogue (派单目录), or ``""``.

    The active rule for the nearest enclosing division wins; a rule without division covers the
    whole county."""
    from yiwang.hotline.models import DispatchRule

    division_path = getattr(division, "path", "") or ""
    best_code, best_depth = "", -1
    rules = DispatchRule.objects.filter(matter_type=matter_type, is_active=True).select_related(
        "division", "lead_unit"
    )
    for rule in rules:
        if rule.division is not None:
            if not division_path.startswith(rule.division.path):
                continue
            depth = len(rule.division.path)
        else:
            depth = 0
        if depth > best_depth:
            best_code, best_depth = rule.lead_unit.code, depth
    return best_code


# --- Training data from the database -------------------------------------------------------------


def township_code_of(division: Any) -> str:
    """The code of the township (乡镇/街道) containing ``division`` (itself if it is one), or ``""``."""
    if division is None:
        return ""
    from yiwang.org.models import DivisionLevel

    node, hops = division, 0
    while node is not None and hops < 6:
        if node.level == DivisionLevel.TOWNSHIP:
            return str(node.code)
        node, hops = node.parent, hops + 1
    return ""


def training_rows_from_db() -> tuple[list[tuple[str, str, str]], set[str]]:
    """``(title + content, lead unit code, township code)`` for every dispatched ticket, from the
    top-level lead assignment that was not returned or withdrawn (the latest one wins), and the
    set of unit codes that are township units."""
    from yiwang.hotline.models import Assignment, AssignmentRole, AssignmentStatus, TicketStatus
    from yiwang.org.models import DivisionLevel

    assignments = (
        Assignment.objects.filter(role=AssignmentRole.LEAD, parent__isnull=True)
        .exclude(status__in=[AssignmentStatus.RETURNED, AssignmentStatus.CANCELLED])
        .exclude(ticket__status=TicketStatus.MERGED)
        .select_related("unit__division", "ticket__division__parent__parent")
        .order_by("ticket_id", "id")
    )
    latest: dict[int, tuple[str, str, str]] = {}
    township_units: set[str] = set()
    for assignment in assignments.iterator(chunk_size=2000):
        ticket, unit = assignment.ticket, assignment.unit
        if unit.division.level == DivisionLevel.TOWNSHIP:
            township_units.add(unit.code)
        text = f"{ticket.title} {ticket.content}".strip()
        latest[ticket.pk] = (text, unit.code, township_code_of(ticket.division))
    return list(latest.values()), township_units


def retrain_from_db(*, min_rows: int = 30, test_fraction: float = 0.25, seed: int = 12345) -> dict[str, Any]:
    """Train on the dispatched tickets, measure on a held-out split, save. Returns the metrics
    (``{"skipped": reason}`` when there are fewer than ``min_rows`` tickets)."""
    rows, township_units = training_rows_from_db()
    if len(rows) < min_rows:
        return {"skipped": f"only {len(rows)} dispatched tickets (need {min_rows})", "rows": len(rows)}
    model, metrics = train_and_evaluate(
        rows, test_fraction=test_fraction, seed=seed, is_local=township_units.__contains__
    )
    path = save_model(model)
    return {**metrics, "rows": len(rows), "labels": len(model.labels), "path": str(path)}


def demo_training_rows() -> tuple[list[tuple[str, str, str]], set[str]]:
    """The demo corpus (``hotline.demo_tickets``) as training rows, and its township units."""
    from yiwang.hotline.demo_tickets import demo_ticket_rows

    rows = [(f"{r['title']} {r['content']}", r["unit_code"], r["township_code"]) for r in demo_ticket_rows()]
    return rows, {unit for _t, unit, _c in rows if unit.startswith("T-")}
