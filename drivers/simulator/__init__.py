"""The built-in simulated plant: Modbus TCP meters and drives, an OPC-UA boiler, MQTT devices.

Entry points: :func:`drivers.simulator.runner.run_simulation` and
:func:`drivers.simulator.runner.simulate_main` (``controldeck simulate``); configuration in
:mod:`drivers.simulator.config`; signals and faults in :mod:`drivers.simulator.signals` and
:mod:`drivers.simulator.faults`; the demo's MQTT broker in :mod:`drivers.simulator.embedded_broker`.
"""
