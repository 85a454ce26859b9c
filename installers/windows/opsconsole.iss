; Inno Setup 6 script: the opsconsole installer for Windows.
;
; Built by installers/build.py, which passes every value below that comes from the
; build (the version is read from the source at build time; this file has none):
;   iscc /DAppVersion=0.1.0 /DAppVersionNumeric=0.1.0.0 /DSourceDir=dist\opsconsole
;        /DOutputDir=dist /DOutputBaseName=opsconsole-0.1.0-windows-x86_64-setup
;        /DIconFile=resources\icons\opsconsole.ico installers\windows\opsconsole.iss
;
; A per-user install: no administrator rights, installed under
; %LOCALAPPDATA%\Programs\opsconsole, a Start-menu shortcut, an optional desktop
; shortcut, an uninstaller in "Apps & features". Installing a newer version over an
; older one replaces the program files only: settings (HKCU\Software\opsconsole),
; logs and the audit log (%LOCALAPPDATA%\opsconsole) are never touched, not even by
; the uninstaller.

#ifndef AppVersion
  #error AppVersion is not defined: build with python installers/build.py
#endif
#ifndef AppVersionNumeric
  #error AppVersionNumeric is not defined: build with python installers/build.py
#endif
#ifndef SourceDir
  #error SourceDir (the one-folder app) is not defined: build with python installers/build.py
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif
#ifndef OutputBaseName
  #define OutputBaseName "opsconsole-" + AppVersion + "-windows-setup"
#endif
#ifndef IconFile
  #define IconFile "..\..\resources\icons\opsconsole.ico"
#endif

#define AppName "opsconsole"
#define AppExe "opsconsole.exe"
#define AppPublisher "opsconsole"

[Setup]
; The AppId identifies the product across versions: never change it, or an upgrade
; installs side by side instead of over the old version.
AppId={{6F0C3B52-7E1A-4C1B-9E4D-2B8A5C7D9E10}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
AppCopyright=Copyright (c) {#AppPublisher}
VersionInfoVersion={#AppVersionNumeric}
VersionInfoProductVersion={#AppVersionNumeric}
VersionInfoProductTextVersion={#AppVersion}
VersionInfoDescription={#AppName} setup
VersionInfoCompany={#AppPublisher}
; per user, no elevation
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppName}
DisableDirPage=auto
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
UsePreviousTasks=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
OutputDir={#OutputDir}
OutputBaseFilename={#OutputBaseName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; close a running opsconsole before replacing its files
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the whole program folder: files an older version had and this
; one does not must not linger. User data lives elsewhere and is kept.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Comment: "Operations console for the ML platform"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
