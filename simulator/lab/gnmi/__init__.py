"""Parts of the lab gNMI server (`simulator.lab.gnmi_server.GnmiServer` is the entry point)."""
