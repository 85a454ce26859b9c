"""Pick a profile (AWS config, SSO, assume-role, or keys kept in the OS keyring), a region and an endpoint.

With the embedded sandbox running, its identities (admin, agent, operations, one per tenant) are offered
too, so a role can be switched without restarting; they come ready-made from the wiring (``app.py``).
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from opsconsole.core import profiles
from opsconsole.core.aws import DEFAULT_REGION, Connection, available_regions, validate_endpoint, validate_region
from opsconsole.core.settings import KEYRING_NAMES, Settings
from opsconsole.ui import theme


def keyring_names(settings: Settings) -> list[str]:
    return settings.get(KEYRING_NAMES)


class AddKeysDialog(QDialog):
    """Access keys typed here go to the OS keyring, and nowhere else."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add access keys")
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. ops-readonly")
        self.key_id = QLineEdit()
        self.key_id.setPlaceholderText("AKIA…")
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Name", self.name)
        form.addRow("Access key ID", self.key_id)
        form.addRow("Secret access key", self.secret)
        self.error = QLabel()
        self.error.setStyleSheet(f"color: {theme.current().danger}")
        self.error.setWordWrap(True)
        self.error.hide()
        note = QLabel("Stored in the operating system's keyring only, never in opsconsole's files.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _save(self) -> None:
        try:
            profiles.save_keys(self.name.text(), self.key_id.text(), self.secret.text())
        except (ValueError, profiles.KeyringUnavailable) as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.accept()


class ConnectionDialog(QDialog):
    """Choose how to connect. Nothing is resolved here (no SSO prompt, no network)."""

    def __init__(self, current: Connection | None, settings: Settings, parent: QWidget | None = None, *,
                 sandbox_identities: Mapping[str, Connection] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connection")
        self.settings = settings
        #: The running sandbox's identities by name, each a complete connection (its endpoint, region, keys).
        self.sandbox_identities = dict(sandbox_identities or {})
        self._showing_sandbox = False
        self.profile = QComboBox()
        self.region = QComboBox()
        self.region.setEditable(True)
        self.region.addItems(available_regions())
        self.endpoint = QLineEdit()
        self.endpoint.setPlaceholderText("optional, e.g. http://localhost:4566 (LocalStack, moto)")
        self.region_error = self._error_label()
        self.endpoint_error = self._error_label()
        add_keys = QPushButton("Add access keys…")
        add_keys.clicked.connect(self._add_keys)
        profile_row = QHBoxLayout()
        profile_row.addWidget(self.profile, 1)
        profile_row.addWidget(add_keys)
        form = QFormLayout()
        form.addRow("Profile", profile_row)
        form.addRow("Region", self.region)
        form.addRow("", self.region_error)
        form.addRow("Endpoint URL", self.endpoint)
        form.addRow("", self.endpoint_error)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setTextFormat(Qt.TextFormat.RichText)  # every hint is built as escaped HTML
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self.profile.currentIndexChanged.connect(self._profile_changed)
        self.region.editTextChanged.connect(lambda _t: self._validate())
        self.endpoint.textChanged.connect(lambda _t: self._validate())
        self._fill_profiles(current)
        if current is not None:
            self.region.setCurrentText(current.region)
            self.endpoint.setText(current.endpoint_url or "" if not current.sandbox else "")
        else:
            self.region.setCurrentText(DEFAULT_REGION)
        if self._chosen()[0] == "sandbox":
            self._profile_changed()  # the identity's own region and endpoint
        self.result_connection: Connection | None = None

    @staticmethod
    def _error_label() -> QLabel:
        label = QLabel()
        label.setStyleSheet(f"color: {theme.current().danger}")
        label.hide()
        return label

    def _chosen(self) -> tuple[str, str | None]:
        return self.profile.currentData() or ("chain", None)

    def _fill_profiles(self, current: Connection | None) -> None:
        with signals_blocked(self.profile):
            self.profile.clear()
            for name, identity in self.sandbox_identities.items():
                tenant = f", tenant {identity.tenant}" if identity.tenant else ""
                self.profile.addItem(f"{name}  (sandbox identity{tenant})", ("sandbox", name))
            self.profile.addItem("default credential chain (environment, default profile)", ("chain", None))
            for p in profiles.list_profiles():
                region = f", {p.region}" if p.region else ""
                self.profile.addItem(f"{p.name}  ({p.description}{region})", ("profile", p.name))
            for name in keyring_names(self.settings):
                self.profile.addItem(f"{name}  (access keys in keyring)", ("keyring", name))
        if current is not None:
            if current.sandbox:
                want = ("sandbox", current.sandbox_identity)
            elif current.keyring_name:
                want = ("keyring", current.keyring_name)
            else:
                want = ("profile", current.profile)
            # Not findData: it compares Python tuples by identity, so it never finds an equal one.
            idx = next((i for i in range(self.profile.count()) if self.profile.itemData(i) == want), -1)
            if idx >= 0:
                self.profile.setCurrentIndex(idx)
        self._profile_changed()

    def _profile_changed(self) -> None:
        kind, name = self._chosen()
        if kind == "sandbox":
            self._show_sandbox(self.sandbox_identities[name])
            return
        if self._showing_sandbox:  # the sandbox's endpoint is no place for these credentials
            self._showing_sandbox = False
            self.region.setEnabled(True)
            self.endpoint.setEnabled(True)
            self.endpoint.clear()
        if kind == "profile":
            p = next((x for x in profiles.list_profiles() if x.name == name), None)
            if p and p.region:
                self.region.setCurrentText(p.region)
            if p and p.kind == "sso":
                self.hint.setText(
                    f"SSO profile. If its session has expired the console will say so; "
                    f"then run <code>aws sso login --profile {html.escape(name)}</code>."
                )
                return
        self.hint.setText("")

    def _show_sandbox(self, identity: Connection) -> None:
        """The identity's region and endpoint, fixed: the sandbox serves one of each."""
        self._showing_sandbox = True
        self.region.setCurrentText(identity.region)
        self.endpoint.setText(identity.endpoint_url or "")
        self.region.setEnabled(False)
        self.endpoint.setEnabled(False)
        scope = f"only tenant {identity.tenant}'s resources" if identity.tenant else "every tenant's resources"
        self.hint.setText(html.escape(f"The embedded sandbox as {identity.sandbox_identity}: its IAM policies "
                                      f"apply, and it sees {scope}. Nothing here touches a real account."))

    def _add_keys(self) -> None:
        dialog = AddKeysDialog(self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            names = keyring_names(self.settings)
            name = dialog.name.text().strip()
            if name not in names:
                names.append(name)
                self.settings.set(KEYRING_NAMES, names)
            self._fill_profiles(Connection(keyring_name=name))

    def _validate(self) -> bool:
        region_problem = validate_region(self.region.currentText())
        endpoint_problem = validate_endpoint(self.endpoint.text())
        for label, problem in ((self.region_error, region_problem), (self.endpoint_error, endpoint_problem)):
            label.setText(problem or "")
            label.setVisible(bool(problem))
        ok = not region_problem and not endpoint_problem
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
        return ok

    def _accept(self) -> None:
        if not self._validate():
            return
        kind, name = self._chosen()
        if kind == "sandbox":
            self.result_connection = self.sandbox_identities[name]
            self.accept()
            return
        region = self.region.currentText().strip()
        endpoint = self.endpoint.text().strip() or None
        if kind == "keyring":
            try:
                keys = profiles.load_keys(name)
            except profiles.KeyringUnavailable as exc:
                self.hint.setText(f"<span style='color:{theme.current().danger}'>{html.escape(str(exc))}</span>")
                return
            if keys is None:
                self.hint.setText(f"<span style='color:{theme.current().danger}'>"
                                  f"No keys named '{html.escape(name)}' in the keyring any more.</span>")
                return
            self.result_connection = Connection(
                region=region, endpoint_url=endpoint, access_key=keys[0], secret_key=keys[1], keyring_name=name
            )
        else:
            self.result_connection = Connection(profile=name, region=region, endpoint_url=endpoint)
        self.accept()
