"""A simulated branch: customers take tickets through the queue API (Poisson arrivals, a mix of services)."""

from __future__ import annotations

import random
import threading

import httpx

SERVICE_MIX = (("general", 0.45), ("cash", 0.35), ("wealth", 0.1), ("corporate", 0.06), ("fx", 0.04))
CHANNEL_MIX = (("kiosk", 0.7), ("mobile", 0.2), ("voice", 0.1))


def _pick(rng: random.Random, mix: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([name for name, _ in mix], weights=[w for _, w in mix])[0]


class BranchSimulator:
    def __init__(self, queue_url: str, api_key: str, branch: str, speed: float = 1.0,
                 arrivals_per_hour: float = 40.0, seed: int | None = None) -> None:
        if speed <= 0 or arrivals_per_hour <= 0:
            raise ValueError("speed and arrivals_per_hour must be positive")
        self.queue_url = queue_url.rstrip("/")
        self.api_key = api_key
        self.branch = branch
        self.mean_gap_s = 3600.0 / arrivals_per_hour / speed
        self.rng = random.Random(seed)
        self.issued = 0
        self.failed = 0

    def step(self, client: httpx.Client) -> None:
        body = {"service": _pick(self.rng, SERVICE_MIX), "channel": _pick(self.rng, CHANNEL_MIX)}
        try:
            response = client.post(f"{self.queue_url}/v1/branches/{self.branch}/tickets", json=body,
                                   headers={"X-API-Key": self.api_key}, timeout=5.0)
            if response.status_code == 201:
                self.issued += 1
            else:
                self.failed += 1
        except httpx.HTTPError:
            self.failed += 1

    def run(self, stop: threading.Event) -> None:
        with httpx.Client() as client:
            while not stop.wait(self.rng.expovariate(1.0 / self.mean_gap_s)):
                self.step(client)
