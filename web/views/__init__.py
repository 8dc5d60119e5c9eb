"""The views, one blueprint module per area."""
