"""每日调度: daily reports while an alert is in force, and the office's daily roll-up."""
