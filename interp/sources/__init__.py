"""Where values come from: each source answers for many secret paths at once."""
