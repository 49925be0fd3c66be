"""The SAQ adapter: queue, task list, cron jobs and lifecycle hooks."""
