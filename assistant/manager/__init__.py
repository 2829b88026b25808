"""The branch manager's picture of one branch: kiosks, devices, queue, staff, handoffs and alerts
(`overview.build_overview`), the manager's actions (`actions`), and the live `branch` channel (`live`)."""
