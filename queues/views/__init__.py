"""The parent's pages, by feature: applying, the cabinet home, getting a direction, directions,
phone and withdrawal. The same views serve the kiosk (its layout comes from `base_template`)."""
