"""The digital human: kiosk page and rendering cues (visemes), and the camera pipeline."""
