"""Generated data for trying Reachout at scale and for its benchmark (`reachout seed synthetic`)."""
