from django.db import models


class Heartbeat(models.Model):
    """When a long-running process last proved it was alive (the status page reads these).

    `scheduler` is written by the scheduler loop each tick; `worker` by a task the scheduler
    enqueues, so its age shows that the worker really runs tasks.
    """

    name = models.CharField(max_length=40, primary_key=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"


class AuditEvent(models.Model):
    """Append-only record of who viewed or changed a child's (or anyone's) data.

    Rows are only ever inserted (services call `audit()`); nothing in the product updates or
    deletes them.
    """

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, null=True)
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    subject = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=60)
    detail = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["school", "subject", "at"])]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id} at {self.at:%Y-%m-%d %H:%M}"


class FormSubmission(models.Model):
    """A create form's one-time token, so a double click or a resent form saves once.

    The token is inserted in the same transaction as what the form creates; a second request with
    the same token waits on the unique key, then finds the first one's result and is sent there.
    """

    token = models.CharField(max_length=40, primary_key=True)
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    result_url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.token
