"""Display links: a revocable signed link that opens a conference's wall board on a screen nobody signs in to."""
