; Inno Setup 6 script: the opsconsole installer for Windows.
;
; Built by installers/build.py, which passes every value below that comes from the
; build (the version is read from the source at build time; this file has none):
;   iscc /DAppVersion=0.1.0 /DAppVersionNumeric=0.1.0.40000 /DSourceDir=dist\opsconsole
;        /DOutputDir=dist /DOutputBaseName=opsconsole-0.1.0-windows-x86_64-setup
;        /DIconFile=resources\icons\opsconsole.ico /DMinWindows=10.0.17763
;        [/DSignToolName=opsconsole "/Sopsconsole=$qpython$q $qinstallers\build.py$q --sign $f"]
;        installers\windows\opsconsole.iss
;
; AppVersionNumeric tells a pre-release from its final release (1.2.3rc1 -> 1.2.3.30001,
; 1.2.3 -> 1.2.3.40000; see buildinfo.numeric_version). With SignToolName, Inno Setup
; signs the setup and the uninstaller it embeds through build.py's one signing command;
; build.py has signed opsconsole.exe and opsconsole-cli.exe before.
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
#ifndef MinWindows
  ; Qt 6's minimum: Windows 10 1809
  #define MinWindows "10.0.17763"
#endif
#ifndef IconFile
  #define IconFile "..\..\resources\icons\opsconsole.ico"
#endif

#define AppName "opsconsole"
#define AppExe "opsconsole.exe"
; the console build, for the command line (--version, --smoke-test); no shortcut
#define ConsoleExe "opsconsole-cli.exe"
#if !FileExists(AddBackslash(SourceDir) + AppExe) || !FileExists(AddBackslash(SourceDir) + ConsoleExe)
  #error SourceDir lacks opsconsole.exe or opsconsole-cli.exe: build with python installers/build.py
#endif
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
; Qt 6 needs Windows 10 1809 (build 17763) or newer; older builds get Setup's own message
MinVersion={#MinWindows}
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
OutputDir={#OutputDir}
OutputBaseFilename={#OutputBaseName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
#ifdef SignToolName
; sign the setup and the uninstaller (SignedUninstaller: Setup embeds a signed copy)
SignTool={#SignToolName}
SignedUninstaller=yes
#endif
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
