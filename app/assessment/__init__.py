"""Assessment: threat level, hotspots and structured reports, computed from stored events."""

from app.assessment.hotspots import Hotspot, HotspotResult, compute_hotspots
from app.assessment.methodology import METHODOLOGY_VERSION
from app.assessment.report import build_and_store, build_report, store_report
from app.assessment.threat import (
    ThreatLevel,
    compute_threat_for_period,
    compute_threat_level,
    threat_history,
)

__all__ = [
    "METHODOLOGY_VERSION",
    "Hotspot",
    "HotspotResult",
    "ThreatLevel",
    "build_and_store",
    "build_report",
    "compute_hotspots",
    "compute_threat_for_period",
    "compute_threat_level",
    "store_report",
    "threat_history",
]
