"""The files and fine-tuning jobs routes of the OpenAI test server (tests/support/openai_server.py).

POST /v1/files (multipart: purpose, file), POST /v1/fine_tuning/jobs, GET /v1/fine_tuning/jobs/{id}
(each read moves the job to its next scripted status), GET .../events, POST .../cancel. With
`owner.api_key` set, every route needs "Authorization: Bearer KEY", as a hosted API would.
"""

from __future__ import annotations

import json
from email.parser import BytesParser
from email.policy import default as email_policy
from typing import Any


class FineTuningRoutes:
    """Mixed into the server's request handler, which provides owner, path, headers, _send_json."""

    owner: Any
    path: str
    headers: Any

    def record_request(self, method: str, body: Any) -> None:
        raise NotImplementedError  # the handler records requests on its server

    def _send_json(self, code: int, data: Any, headers: dict[str, str] | None = None) -> None:
        raise NotImplementedError  # the handler writes the response

    def _authorised(self) -> bool:
        key = self.owner.api_key
        if key is None or self.headers.get("Authorization") == f"Bearer {key}":
            return True
        self._send_json(401, {"error": {"message": "Incorrect API key provided.", "code": "invalid_api_key"}})
        return False

    def _fine_tuning_post(self, raw: bytes) -> None:
        path = self.path.rstrip("/")
        if path.endswith("/files"):
            fields = parse_multipart(self.headers.get("Content-Type", ""), raw)
            self.record_request("POST", {k: v[0] for k, v in fields.items()})
            if not self._authorised():
                return
            if "file" not in fields or fields.get("purpose", ("",))[0] != "fine-tune":
                self._send_json(400, {"error": {"message": "need purpose=fine-tune and a file"}})
                return
            file_id = f"file-{len(self.owner.files) + 1}"
            name, content = fields["file"][1], fields["file"][0]
            self.owner.files[file_id] = {"id": file_id, "filename": name, "bytes": content}
            self._send_json(
                200,
                {
                    "id": file_id,
                    "object": "file",
                    "bytes": len(content),
                    "filename": name,
                    "purpose": "fine-tune",
                },
            )
            return
        body = json.loads(raw) if raw else {}
        self.record_request("POST", body)
        if not self._authorised():
            return
        if path.endswith("/cancel"):
            job = self.owner.jobs.get(path.split("/")[-2])
            if job is None:
                self._send_json(404, {"error": {"message": "no such job"}})
                return
            job["status"], job["_statuses"] = "cancelled", []
            self._send_json(200, public_job(job))
            return
        if body.get("training_file") not in self.owner.files:
            self._send_json(
                400, {"error": {"message": f"invalid training_file: {body.get('training_file')}"}}
            )
            return
        job_id = f"ftjob-{len(self.owner.jobs) + 1}"
        statuses = self.owner.fine_tuning_statuses()
        job = {
            "id": job_id,
            "object": "fine_tuning.job",
            "model": body.get("model"),
            "status": statuses[0],
            "training_file": body["training_file"],
            "validation_file": body.get("validation_file"),
            "method": body.get("method"),
            "fine_tuned_model": None,
            "_statuses": statuses[1:],
            "_body": body,
        }
        self.owner.jobs[job_id] = job
        self._send_json(200, public_job(job))

    def _fine_tuning_get(self) -> None:
        if not self._authorised():
            return
        parts = self.path.split("?")[0].rstrip("/").split("/")
        events = parts[-1] == "events"
        job = self.owner.jobs.get(parts[-2] if events else parts[-1])
        if job is None:
            self._send_json(404, {"error": {"message": "no such job"}})
            return
        if events:
            data = [{"object": "fine_tuning.job.event", "message": f"status {job['status']}"}]
            self._send_json(200, {"object": "list", "data": data})
            return
        if job["_statuses"]:
            job["status"] = job["_statuses"].pop(0)
        if job["status"] == "succeeded":
            job["fine_tuned_model"] = f"ft:{job['model']}:{job['_body'].get('suffix', 'tutor')}:{job['id']}"
        if job["status"] == "failed":
            job["error"] = {"message": "scripted failure", "code": "invalid_training_file"}
        self._send_json(200, public_job(job))


def parse_multipart(content_type: str, raw: bytes) -> dict[str, tuple[bytes | str, str | None]]:
    """name -> (value, filename) of a multipart/form-data body (text fields decoded, files as bytes)."""
    message = BytesParser(policy=email_policy).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    fields: dict[str, tuple[bytes | str, str | None]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        fields[str(name)] = (payload if filename else payload.decode("utf-8"), filename)
    return fields


def public_job(job: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in job.items() if not key.startswith("_")}
