"""Lab scale: bench reservation (flock on one PC, labgrid's coordinator across PCs) and DUT
power control through labgrid's power drivers. See docs/LAB.md."""
