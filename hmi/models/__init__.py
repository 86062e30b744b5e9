"""Qt item models of the HMI and the adapter to the alarm system."""
