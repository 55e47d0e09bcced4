"""What a SPEC run tells: metrics, the project's health, the retrospective, enrichment cards, and
what ``inspect`` shows of a file. Pure."""
