"""The ticket kiosk without Kivy: its flow, issuing and printing, dossier lookup."""
