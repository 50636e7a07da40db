"""`growthsim report DIR` on an optimisation's folder: the best plan as confirmed, the
optimisation history, each lever's importance, a slice per lever and, for several
objectives, the Pareto front (docs/optimize.md). Read back from optimize.json and the
study (study.db); drawn with the page helpers every report shares (report_page.py)."""

from __future__ import annotations

import html
import math
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")   # no display: reports are made on CI runners too
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from simulation.experiments.optimize_spec import verdict_text  # noqa: E402
from simulation.experiments.optimize_events import MANIFEST, STUDY, STUDY_NAME, OptimizeError, read_manifest  # noqa: E402
from simulation.experiments.optimize_study import violations_of  # noqa: E402
from simulation.experiments.report_page import GENERATOR, chart_, number, page, sections_html, svg  # noqa: E402
from simulation.kernel.language import N_, _  # noqa: E402

# PED-ANOVA compares the levers' spread in the best trials with all trials': with fewer
# trials it mostly shows the draw (an assumption, as Optuna gives no minimum).
MIN_TRIALS_FOR_IMPORTANCE = 8
FEASIBLE, INFEASIBLE, BEST = "#1f77b4", "#bbbbbb", "#d62728"


def is_optimization(folder: Path) -> bool:
    return (Path(folder) / MANIFEST).exists()


def write_optimize_report(folder: Path, out: Path | None = None, *, force: bool = False) -> Path:
    from simulation.storage.outputs import write_named_file
    folder = Path(folder)
    title, meta, sections = optimize_sections(folder)
    # As every report: a file the user named is replaced only if growthsim wrote it (or --force).
    write_named_file(out or folder / "report.html", page(title, meta, sections_html(sections)), option="--out", ours=GENERATOR, force=force or out is None)
    return out or folder / "report.html"


def optimize_sections(folder: Path) -> tuple[str, str, list[tuple[str, str]]]:
    document = read_manifest(folder)
    settings = document.get("settings", {})
    study = _load_study(folder)
    objectives = [text.rsplit(":", 1) for text in settings.get("objectives", [])]
    pick = next((i for i, (kpi, direction) in enumerate(objectives) if kpi == settings.get("pick")), 0)
    trials = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
    if not trials:
        raise OptimizeError(f"{folder}: the study has no complete trial yet; nothing to draw")
    title = _("Optimisation of {name}").format(name=settings.get("name", folder.name))
    meta = _("{trials} complete trials of {replications} replications each (seed {seed}, {sampler}); levers {levers}; "
             "constraints {constraints}").format(
        trials=len(trials), replications=settings.get("replications"), seed=settings.get("seed"),
        sampler=settings.get("sampler"), levers=", ".join(settings.get("levers", [])),
        constraints=", ".join(settings.get("constraints", [])) or _("none"))
    sections = []
    if document.get("status") == "done":
        sections.append((_("Best plan, confirmed on fresh seeds"), best_table(document)))
    else:
        sections.append((_("Best plan"), "<p>" + html.escape(_("The search has not finished (run the same command with "
                                                              "--resume); no plan is confirmed yet.")) + "</p>"))
    kpi, direction = objectives[pick]
    values = np.array([t.values[pick] for t in trials])
    feasible = np.array([all(v <= 0 for v in violations_of(t)) for t in trials])
    sections.append((_("Optimisation history"), history_chart([t.number for t in trials], values, feasible, kpi,
                                                           direction, document.get("best"))))
    sections.append((_("Parameter importance"), importance(study, pick, len(trials), settings)))
    sections.append((_("Slices: the objective against each lever"), slices(trials, values, feasible, kpi)))
    if len(objectives) > 1:
        sections.append((_("Pareto front"), pareto_chart(trials, feasible, objectives, document.get("front", []))))
    return title, meta, sections


def _load_study(folder: Path):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    path = folder / STUDY
    if not path.exists():
        raise OptimizeError(f"{folder}: {STUDY} is missing; the optimisation's trials are in it")
    try:
        return optuna.load_study(study_name=STUDY_NAME, storage=f"sqlite:///{path.resolve()}")
    except Exception as error:   # a damaged or foreign database
        raise OptimizeError(f"{path}: not an optimisation's study ({type(error).__name__}: {error})") from None


def best_table(document: dict) -> str:
    rows = ["<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in (
        _("plan"), _("levers"), _("objective (95 % CI)"), _("vs scenario as given (95 % CI)"), _("constraints"))) + "</tr>"]
    given = document["scenario_as_given"]["objective"]
    rows.append(f"<tr><td>{html.escape(_('as given'))}</td><td></td><td>{_interval(given)}</td><td></td><td></td></tr>")
    best = document.get("best") or {}
    for plan in document.get("finalists", []):
        name = _("best") if plan["trial"] == best.get("trial") else _("trial {number}").format(number=plan["trial"])
        levers = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in plan["levers"].items())
        vs = plan["vs_scenario"]
        verdicts = "; ".join(f"{c['constraint']}: {verdict_text(c['verdict'])}" for c in plan["constraints"]) or "–"
        rows.append(f"<tr><td>{name}</td><td>{html.escape(levers)}</td><td>{_interval(plan['objective'])}</td>"
                    f"<td>{number(vs['difference'])} [{number(vs['ci_low'])}, {number(vs['ci_high'])}]</td>"
                    f"<td>{html.escape(verdicts)}</td></tr>")
    rows.append("</table>")
    note = f"<p>{html.escape(document['note'])}</p>" if document.get("note") else ""
    return "".join(rows) + note


def _interval(fields: dict) -> str:
    return f"{number(fields['mean'])} [{number(fields['ci_low'])}, {number(fields['ci_high'])}]"


def history_chart(numbers: list[int], values: np.ndarray, feasible: np.ndarray, kpi: str, direction: str,
                  best: dict | None) -> str:
    """Each trial's objective (search means), the best feasible so far, and the confirmed winner."""
    figure, axes = plt.subplots(figsize=(7.5, 3.4))
    numbers = np.array(numbers)
    axes.scatter(numbers[~feasible], values[~feasible], color=INFEASIBLE, s=18, label=chart_(N_("trial (breaks a constraint)")))
    axes.scatter(numbers[feasible], values[feasible], color=FEASIBLE, s=18, label=chart_(N_("trial")))
    running, so_far = [], math.nan
    for value, ok in zip(values, feasible):
        if ok and (math.isnan(so_far) or (value > so_far if direction == "max" else value < so_far)):
            so_far = value
        running.append(so_far)
    axes.step(numbers, running, where="post", color=FEASIBLE, linewidth=1, label=chart_(N_("best feasible so far")))
    if best:
        objective = best["objective"]
        x = numbers.max() + 1
        low, high = objective["ci_low"], objective["ci_high"]
        if low is not None and high is not None:
            axes.errorbar([x], [objective["mean"]], yerr=[[objective["mean"] - low], [high - objective["mean"]]],
                          fmt="D", color=BEST, capsize=3, label=chart_(N_("winner, confirmed (95 % CI)")))
    axes.set_xlabel(chart_(N_("trial")))
    axes.set_ylabel(f"{kpi} ({direction})")
    axes.legend(fontsize=7, frameon=False)
    return svg(figure)


def importance(study, pick: int, complete: int, settings: dict) -> str:
    levers = [text.split("=", 1)[0] for text in settings.get("levers", [])]
    if len(levers) == 1:
        return "<p>" + html.escape(_("One lever ({lever}): it accounts for all the objective's variation.").format(
            lever=levers[0])) + "</p>"
    if complete < MIN_TRIALS_FOR_IMPORTANCE:
        return "<p>" + html.escape(_("Not drawn: {complete} complete trials, and importance needs at least {least} to "
                                     "say more than noise. Run more --trials (with --resume).").format(
            complete=complete, least=MIN_TRIALS_FOR_IMPORTANCE)) + "</p>"
    import optuna
    try:
        # PED-ANOVA (Optuna's default evaluator, no scikit-learn) ranks levers by what gives
        # low target values: a maximised objective is negated.
        sign = -1.0 if settings.get("objectives", [""])[pick].endswith(":max") else 1.0
        with warnings.catch_warnings():   # its reminder of that convention, which the sign follows
            warnings.simplefilter("ignore", UserWarning)
            found = optuna.importance.get_param_importances(
                study, evaluator=optuna.importance.PedAnovaImportanceEvaluator(),
                target=lambda t: sign * t.values[pick])
    except (RuntimeError, ValueError) as error:
        return "<p>" + html.escape(_("Not drawn: Optuna could not estimate importance ({error}).").format(
            error=error)) + "</p>"
    names = list(found)[::-1]
    figure, axes = plt.subplots(figsize=(7.5, 0.5 + 0.4 * len(names)))
    axes.barh(names, [found[name] for name in names], color=FEASIBLE)
    axes.set_xlabel(chart_(N_("importance for the best trials (PED-ANOVA, normalised)")))
    return svg(figure)


def slices(trials: list, values: np.ndarray, feasible: np.ndarray, kpi: str) -> str:
    names = sorted({name for t in trials for name in t.params})
    figure, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names) + 1, 3.0), squeeze=False)
    for ax, name in zip(axes[0], names):
        raw = [t.params.get(name) for t in trials]
        if all(isinstance(v, (int, float)) for v in raw):
            x = np.array(raw, dtype=float)
        else:   # choices: one position each
            choices = sorted({str(v) for v in raw})
            x = np.array([choices.index(str(v)) for v in raw], dtype=float)
            ax.set_xticks(range(len(choices)), choices)
        ax.scatter(x[~feasible], values[~feasible], color=INFEASIBLE, s=16)
        ax.scatter(x[feasible], values[feasible], color=FEASIBLE, s=16)
        ax.set_xlabel(name.rsplit(".", 1)[-1])
        ax.set_ylabel(kpi)
    figure.tight_layout()
    return svg(figure)


def pareto_chart(trials: list, feasible: np.ndarray, objectives: list, front: list[dict]) -> str:
    """The first two objectives: every trial, the front joined in order."""
    first, second = objectives[0][0], objectives[1][0]
    x = np.array([t.values[0] for t in trials])
    y = np.array([t.values[1] for t in trials])
    figure, axes = plt.subplots(figsize=(6.5, 4.0))
    axes.scatter(x[~feasible], y[~feasible], color=INFEASIBLE, s=16, label=chart_(N_("breaks a constraint")))
    axes.scatter(x[feasible], y[feasible], color=FEASIBLE, s=16, label=chart_(N_("trial")))
    points = sorted((member["objectives"][first], member["objectives"][second]) for member in front)
    if points:
        axes.plot(*zip(*points), "o-", color=BEST, markersize=5, label=chart_(N_("Pareto front (search means)")))
    axes.set_xlabel(first)
    axes.set_ylabel(second)
    axes.legend(fontsize=7, frameon=False)
    caption = ("" if len(objectives) == 2 else
               "<p>" + html.escape(_("Drawn on the first two of {n} objectives; optimize.json lists the whole "
                                     "front.").format(n=len(objectives))) + "</p>")
    return svg(figure) + caption
