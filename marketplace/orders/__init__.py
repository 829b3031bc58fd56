"""Orders, their state machine, transaction documents, ratings and the supplier scorecard."""
