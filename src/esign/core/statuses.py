"""The normalized status vocabularies (ARCHITECTURE.md §4): tiny, so `--help` can name them
cheaply."""

DOCUMENT_STATUSES: tuple[str, ...] = (
    "processing",
    "pending",
    "signed",
    "refused",
    "canceled",
    "expired",
    "error",
    "unknown",
)
SIGNER_STATUSES: tuple[str, ...] = ("pending", "viewed", "signed", "refused", "unknown")
