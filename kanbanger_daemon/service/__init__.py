"""Running the daemon at login, one service per workspace: the systemd user unit or launchd agent
it takes (``units``), their names (``names``), and installing, removing and listing them
(``manage``)."""
