"""Assessment: threat level, hotspots and structured reports, computed from stored events."""
