"""The devices view: plant tree with live values, faceplates, OPC-UA browse, writes."""
