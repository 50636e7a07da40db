"""Help: what the app is for, how to move around, and every key of every screen."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from simulation.kernel.scenario import Scenario
from tui.words import N_, _

INTRO = N_("[b]growthsim[/] simulates every shopper of an e-commerce platform, day by day, under a scenario. "
         "Pick a scenario in the [b]Library[/], change a lever in the [b]Editor[/], [b]Run[/] it and watch it "
         "unfold, read its [b]Results[/], and [b]Compare[/] it with the scenario it extends. [b]Lessons[/] walk a "
         "class through each tactic. [b]Calibrate[/] fits a twin of a shop's own customers from its order export; "
         "[b]Optimize[/] finds the best levers under constraints, confirmed on fresh seeds. "
         "Everything works with the mouse too: click the modes at the top, the "
         "buttons, the tabs; hover over a field or a KPI for what it means. Ctrl+P searches every action.")


def chatbot_note() -> str:
    """What the service desk's chatbot does in the model today (simulation/kernel/service_desk.py,
    strategies/service_quality.py), with the scenario's defaults; tests/tui/test_help.py holds
    each sentence to a run. Change it with the model: one paragraph per behaviour."""
    desk = Scenario().strategies.service_quality
    return "\n\n".join((
        _("[b]The service desk's chatbot[/] (Editor: Strategy: service quality)"),
        _("It takes a share [b]chatbot_deflection[/] of the tickets (default {deflection}: no chatbot) "
        "as they arrive, at every hour alike (a night chatbot aside: below), and answers them at once: no wait, and the shopper's "
        "satisfaction changes as for a ticket answered at once (satisfaction.ticket_resolved). It needs no agent, "
        "so the rest of the queue gets shorter; it does not make agents faster.").format(
            deflection=f"{desk.chatbot_deflection:g}"),
        _("With the strategy switched off the chatbot still answers its share, never fails and costs nothing. "
          "Switched on, a share [b]chatbot_failure_rate[/] of its conversations fail "
          "(default {failure_rate}): the shopper loses [b]chatbot_failure_penalty[/] of satisfaction "
          "(default {penalty}) and queues for an agent anyway; and every conversation, failed "
          "or not, costs [b]chatbot_cost_per_conversation[/] (default {cost}, "
          "operations). A repeat ticket goes through the chatbot again.").format(
            failure_rate=f"{desk.chatbot_failure_rate:g}", penalty=f"{desk.chatbot_failure_penalty:g}",
            cost=f"{desk.chatbot_cost_per_conversation:g}"),
        _("At night ([b]night_start_hour[/] {start} to [b]night_end_hour[/] {end}), "
          "with the strategy on and [b]night_chatbot[/] set, the chatbot takes a share [b]night_chatbot_deflection[/] "
          "(default {night_deflection}) of the tickets that come then, in place of chatbot_deflection; "
          "its failures and costs are as by day, and a failed night conversation waits for an agent "
          "(till morning, with nobody on a night shift).").format(
            start=desk.night_start_hour, end=desk.night_end_hour,
            night_deflection=f"{desk.night_chatbot_deflection:g}"),
    ))


# The key map's "where" of each mode: its identifier in English, as the mode bar's click actions.
MODE_WHERE = {"library": N_("library"), "editor": N_("editor"), "run": N_("run"), "results": N_("results"),
              "compare": N_("compare"), "lessons": N_("lessons"), "calibrate": N_("calibrate"),
              "optimize": N_("optimize")}


def key_name(key: str) -> str:
    names = {"escape": "Esc", "enter": "Enter", "delete": "Del", "ctrl": "Ctrl", "shift": "Shift", "up": _("Up"),
             "down": _("Down")}
    return "+".join(names.get(part, part.upper()) for part in key.split("+"))


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss", N_("Close"))]
    CSS_PATH = "help.tcss"

    def compose(self) -> ComposeResult:
        with Vertical():
            with VerticalScroll(id="keys-scroll"):
                yield Static(_(INTRO), id="intro")
                yield Static(self.key_map(), id="keys")
                yield Static(chatbot_note(), id="chatbot")   # after the keys, which F1 is for
            yield Static(Text(_("Esc closes · Ctrl+P: command palette · Ctrl+T: light/dark"), style="dim"))

    def key_map(self) -> Table:
        app = self.app
        table = Table(title=_("Key map"), title_justify="left", box=None, show_header=True, pad_edge=False)
        table.add_column(_("where"), style="bold")
        table.add_column(_("key"), style="bold cyan", no_wrap=True)
        table.add_column(_("does"))
        seen = set()
        for binding in app.BINDINGS:
            keys = binding.key.split(",")
            table.add_row(_("anywhere"), " ".join(key_name(k) for k in keys), _(binding.description))
        table.add_row(_("anywhere"), "Ctrl+P", _("Command palette: every action, searchable"))
        for mode, screen in app.MODE_SCREENS.items():
            for binding in screen.BINDINGS:
                if isinstance(binding, tuple):
                    binding = Binding(*binding)
                keys = " ".join(key_name(k) for k in binding.key.split(","))
                if (mode, keys) in seen or not binding.description:
                    continue
                seen.add((mode, keys))
                table.add_row(_(MODE_WHERE[mode]), keys, _(binding.description))
        table.add_row(_("everywhere"), "Tab / Shift+Tab", _("Move between fields, lists and buttons"))
        table.add_row(_("forms"), "Enter", _("In the section list: go to the section's first field"))
        return table
