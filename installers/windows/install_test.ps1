# Prove the Windows setup: install it silently into an empty temporary folder, run the
# installed app (--version, then --sandbox --smoke-test with Qt's native "windows"
# platform plugin), uninstall it silently and check that nothing is left but user data.
#
#   pwsh installers/windows/install_test.ps1 -Setup dist\opsconsole-0.1.0-windows-x86_64-setup.exe -Version 0.1.0
#
# Exits non-zero (throws) at the first step that fails. Run by the release workflow.
param(
  [Parameter(Mandatory = $true)][string]$Setup,
  [Parameter(Mandatory = $true)][string]$Version,
  [int]$TimeoutSeconds = 300
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$Setup = (Resolve-Path $Setup).Path

# The AppId of installers/windows/opsconsole.iss: Inno Setup's uninstall key is "<AppId>_is1".
$appId = '{6F0C3B52-7E1A-4C1B-9E4D-2B8A5C7D9E10}'
$uninstallKey = "HKCU:\Software\Microsoft\Windows\CurrentVersion\Uninstall\${appId}_is1"
$shortcut = Join-Path ([Environment]::GetFolderPath('Programs')) 'opsconsole.lnk'

$root = Join-Path ([IO.Path]::GetTempPath()) ('opsconsole-install-' + [guid]::NewGuid().ToString('N'))
$dir = Join-Path $root 'app'
New-Item -ItemType Directory -Path $root | Out-Null

function Invoke-Waited([string]$File, [string[]]$Arguments, [string]$What) {
  $process = Start-Process -FilePath $File -ArgumentList $Arguments -PassThru
  $null = $process.Handle  # without a cached handle, ExitCode stays empty after exit
  if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
    $process.Kill($true)
    throw "$What did not finish in $TimeoutSeconds s"
  }
  return $process.ExitCode
}

# -- install ------------------------------------------------------------------
$log = Join-Path $root 'setup.log'
Write-Host "install: $Setup -> $dir"
$code = Invoke-Waited $Setup @('/VERYSILENT', '/SUPPRESSMSGBOXES', '/NORESTART', "/DIR=`"$dir`"", "/LOG=`"$log`"") 'setup'
if ($code -ne 0) { Get-Content $log | Write-Host; throw "setup exited with $code" }
foreach ($name in 'opsconsole.exe', 'opsconsole-cli.exe', 'unins000.exe', '_internal') {
  if (-not (Test-Path (Join-Path $dir $name))) { throw "setup did not install $name" }
}
if (-not (Test-Path $uninstallKey)) { throw "no uninstall entry at $uninstallKey" }
$installed = @(Get-ChildItem -Path $dir -Recurse -File | ForEach-Object { $_.FullName })
Write-Host "install: $($installed.Count) files"

# -- run the installed app ------------------------------------------------------
$env:QT_QPA_PLATFORM = 'windows'
$env:OPSCONSOLE_SELF_CHECK = '1'
$cli = Join-Path $dir 'opsconsole-cli.exe'
function Test-App([string[]]$AppArgs, [string]$Expect) {
  $began = Get-Date
  $out = (& $cli @AppArgs 2>&1 | Out-String)
  $code = $LASTEXITCODE
  Write-Host $out
  Write-Host ("opsconsole-cli {0}: exit {1} in {2:N1} s" -f ($AppArgs -join ' '), $code, ((Get-Date) - $began).TotalSeconds)
  if ($code -ne 0) { throw "opsconsole-cli $($AppArgs -join ' ') exited with $code" }
  if (-not $out.Contains($Expect)) { throw "opsconsole-cli $($AppArgs -join ' ') did not print '$Expect'" }
  if (-not $out.Contains('resources: ok')) { throw "opsconsole-cli $($AppArgs -join ' '): the resources check did not pass" }
}
Test-App @('--version') "opsconsole $Version"
Test-App @('--sandbox', '--smoke-test') 'executions: '
# the GUI executable (what the shortcuts start) starts and exits cleanly too
$code = Invoke-Waited (Join-Path $dir 'opsconsole.exe') @('--version') 'opsconsole.exe --version'
if ($code -ne 0) { throw "opsconsole.exe --version exited with $code" }

# -- uninstall ------------------------------------------------------------------
$code = Invoke-Waited (Join-Path $dir 'unins000.exe') @('/VERYSILENT', '/SUPPRESSMSGBOXES', '/NORESTART') 'uninstall'
if ($code -ne 0) { throw "the uninstaller exited with $code" }
# The uninstaller runs a copy of itself from %TEMP% and returns at once: wait for it.
$deadline = (Get-Date).AddSeconds($TimeoutSeconds)
while ((Test-Path $dir) -and (Get-Date) -lt $deadline) { Start-Sleep -Seconds 1 }

# -- nothing left but user data -------------------------------------------------------
$left = @()
if (Test-Path $dir) { $left += @(Get-ChildItem -Path $dir -Recurse -Force | ForEach-Object { $_.FullName }) + $dir }
if (Test-Path $uninstallKey) { $left += $uninstallKey }
if (Test-Path $shortcut) { $left += $shortcut }
if ($left.Count -gt 0) {
  $left | ForEach-Object { Write-Host "left behind: $_" }
  throw "the uninstaller left $($left.Count) item(s) behind"
}
$data = Join-Path $env:LOCALAPPDATA 'opsconsole'
if (Test-Path $data) { Write-Host "kept (user data): $data" }
Remove-Item -Recurse -Force $root
Write-Host "install test: ok (installed, ran, uninstalled without leftovers)"
