"""What a simulated device does with a command and with a request from its operator (jam, run out of
paper, refill, ...): a small state machine with no I/O, so it is the same in the simulator, the tests and
the benchmark. The kinds' commands and capacities come from `data/kinds.yaml`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from integrations.devices.kinds import Kind, catalogue

Outcome = tuple[Literal["completed", "failed", "rejected"], dict[str, Any]]
REQUESTS = ("jam", "jam-next", "clear", "paper-out", "refill", "out-of-service", "in-service")


@dataclass
class DeviceModel:
    device: str
    branch: str
    kind_name: str
    state: str = "online"
    paper: int | None = None
    stock: int | None = None
    cells: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)
    jam_next: bool = False
    jobs_done: int = 0

    def __post_init__(self) -> None:
        kind = self.kind
        if kind.consumable == "paper" and self.paper is None:
            self.paper = kind.capacity
        if kind.consumable == "stock" and self.stock is None:
            self.stock = kind.capacity
        self._settle()

    @property
    def kind(self) -> Kind:
        return catalogue().kinds[self.kind_name]

    def execute(self, command: str, params: dict[str, Any]) -> Outcome:
        if command not in self.kind.commands:
            return "rejected", {"reason": f"{self.kind_name} cannot {command}"}
        if not catalogue().accepts(self.state):
            return "failed", {"reason": f"device {self.state}"}
        if self.jam_next:
            self.jam_next = False
            self._fault("jammed", "paper jam" if self.kind.consumable == "paper" else "mechanism jam")
            return "failed", {"reason": "device jammed"}
        outcome = self._do(command, params)
        if outcome[0] == "completed":
            self.jobs_done += 1
        self._settle()
        return outcome

    def _do(self, command: str, params: dict[str, Any]) -> Outcome:
        if self.kind.consumable == "paper":
            assert self.paper is not None
            self.paper -= 1
            lines = params.get("lines", [])
            printed = len(lines) if isinstance(lines, list) else 1
            return "completed", {"printed_lines": printed, "paper_left": self.paper}
        if self.kind.consumable == "stock":
            assert self.stock is not None
            self.stock -= 1
            return "completed", {"dispensed": True, "stock_left": self.stock, "card_id": params.get("card_id")}
        return self._locker(command, params)

    def _locker(self, command: str, params: dict[str, Any]) -> Outcome:
        code = str(params.get("pickup_code", ""))
        if command == "reserve_cell":
            free = next((str(n) for n in range(1, self.kind.capacity + 1) if str(n) not in self.cells), None)
            if free is None:
                return "failed", {"reason": "no free cell"}
            self.cells[free] = {"pickup_code": code, "item": params.get("item"), "opened": False}
            return "completed", {"cell": free}
        for cell, held in self.cells.items():
            if held["pickup_code"] == code and not held["opened"]:
                if command == "release_cell":
                    del self.cells[cell]
                else:
                    held["opened"] = True
                return "completed", {"cell": cell, "item": held.get("item")}
        return "failed", {"reason": "pickup code not recognised"}

    def request(self, action: str) -> None:
        """An operator's (or a test's) request: make the device fail, or put it right."""
        if action not in REQUESTS:
            raise ValueError(f"unknown request {action!r}; one of {', '.join(REQUESTS)}")
        if action == "jam":
            self._fault("jammed", "paper jam" if self.kind.consumable == "paper" else "mechanism jam")
        elif action == "jam-next":
            self.jam_next = True
        elif action == "paper-out":
            if self.kind.consumable == "paper":
                self.paper = 0
        elif action == "refill":
            if self.kind.consumable == "paper":
                self.paper = self.kind.capacity
            if self.kind.consumable == "stock":
                self.stock = self.kind.capacity
        elif action == "out-of-service":
            self._fault("out-of-service", "taken out of service")
        else:  # clear, in-service
            self.faults, self.state = [], "online"
        self._settle()

    def _fault(self, state: str, fault: str) -> None:
        self.state = state
        if fault not in self.faults:
            self.faults.append(fault)

    def _settle(self) -> None:
        """Consumables decide the state unless a fault holds it."""
        if self.state in ("jammed", "out-of-service"):
            return
        kind = self.kind
        if kind.consumable == "paper" and self.paper is not None:
            self.state = "paper-out" if self.paper <= 0 else "paper-low" if self.paper <= kind.low_at else "online"
        elif kind.consumable == "stock" and self.stock is not None:
            self.state = "empty" if self.stock <= 0 else "online"
        else:
            self.state = "online"
