"""The fulfilment layer: the only package that composes the capabilities (requests, billing, delegation,
delivery, reports, notifications, subscriptions) into the request's path — the workflow's task handlers
(`tasks`), the user actions that move a request (`actions`, `payment`, `assign`), background jobs (`jobs`), the
scheduled tick (`tick`) and the reminders (`reminders`). Nothing below imports it (see .importlinter)."""
