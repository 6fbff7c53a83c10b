"""Operations: scheduled backups, retention of raw reads, session auto-close, silent-point
alerts. Started by the composition root as the `housekeeping` service."""
