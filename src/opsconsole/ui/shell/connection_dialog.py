"""Pick a profile (AWS config, SSO, assume-role, or keys kept in the OS keyring), a region and an endpoint."""

from __future__ import annotations

import html

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

    def __init__(self, current: Connection | None, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connection")
        self.settings = settings
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
        self.result_connection: Connection | None = None

    @staticmethod
    def _error_label() -> QLabel:
        label = QLabel()
        label.setStyleSheet(f"color: {theme.current().danger}")
        label.hide()
        return label

    def _fill_profiles(self, current: Connection | None) -> None:
        with signals_blocked(self.profile):
            self.profile.clear()
            self.profile.addItem("default credential chain (environment, default profile)", ("chain", None))
            for p in profiles.list_profiles():
                region = f", {p.region}" if p.region else ""
                self.profile.addItem(f"{p.name}  ({p.description}{region})", ("profile", p.name))
            for name in keyring_names(self.settings):
                self.profile.addItem(f"{name}  (access keys in keyring)", ("keyring", name))
        if current is not None:
            want = ("keyring", current.keyring_name) if current.keyring_name else ("profile", current.profile)
            # Not findData: it compares Python tuples by identity, so it never finds an equal one.
            idx = next((i for i in range(self.profile.count()) if self.profile.itemData(i) == want), -1)
            if idx >= 0:
                self.profile.setCurrentIndex(idx)
        self._profile_changed()

    def _profile_changed(self) -> None:
        kind, name = self.profile.currentData() or ("chain", None)
        if kind == "profile":
            p = next((x for x in profiles.list_profiles() if x.name == name), None)
            if p and p.region:
                self.region.setCurrentText(p.region)
            if p and p.kind == "sso":
                self.hint.setText(
                    f"SSO profile. If its session has expired the console will say so; "
                    f"then run <code>aws sso login --profile {name}</code>."
                )
                return
        self.hint.setText("")

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
        kind, name = self.profile.currentData() or ("chain", None)
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
