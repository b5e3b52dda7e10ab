; NSIS installer of BeSign Desktop (makensis from Debian's nsis).
; build-windows.sh defines VERSION (0.1.0), VIVERSION (0.1.0.1), SRCDIR (the
; directory with besign.exe, besign.ico, config.example.toml,
; THIRD_PARTY_NOTICES.txt), OUTFILE and,
; when signing, SIGNCMD (run on the uninstaller before it is packed).
;
; Per-machine install into Program Files, Start Menu shortcut, uninstaller
; in "Apps & features". Silent: setup.exe /S [/CONFIG=path] [/D=dir]
; /CONFIG copies IT's config.toml to %ProgramData%\BeSign\config.toml.
; Exit codes: 0 done, 1 cancelled, 2 failed (bad /CONFIG, not 64-bit).

Unicode true
Target amd64-unicode
SetCompressor /SOLID lzma
RequestExecutionLevel admin
ManifestDPIAware true

!include MUI2.nsh
!include FileFunc.nsh
!include LogicLib.nsh
!include x64.nsh

!define PRODUCT "BeSign Desktop"
!define PUBLISHER "Pemerintah Kabupaten Natuna"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\BeSign"
!define SHORTCUT "$SMPROGRAMS\${PRODUCT}.lnk"

!ifdef SIGNCMD
!uninstfinalize '${SIGNCMD} "%1"'
!endif

Name "${PRODUCT}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\BeSign"
InstallDirRegKey HKLM "${UNINST_KEY}" "InstallLocation"
BrandingText "${PRODUCT} ${VERSION}"

VIProductVersion "${VIVERSION}"
VIAddVersionKey /LANG=0 "ProductName" "${PRODUCT}"
VIAddVersionKey /LANG=0 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=0 "LegalCopyright" "${PUBLISHER}"
VIAddVersionKey /LANG=0 "FileDescription" "${PRODUCT} Setup"
VIAddVersionKey /LANG=0 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "ProductVersion" "${VERSION}"

!define MUI_ICON "${SRCDIR}\besign.ico"
!define MUI_UNICON "${SRCDIR}\besign.ico"
!define MUI_ABORTWARNING
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "Indonesian"
!insertmacro MUI_LANGUAGE "English"

Var ConfigSrc
Var ConfigGiven
Var ConfigDir

; ParseConfig finds /CONFIG=path in the parameters $R0 and sets
; $ConfigGiven and $ConfigSrc. FileFunc's GetOptions misses the forms that
; Windows shells produce for paths with spaces, which would install without
; the config and without a word: "/CONFIG=C:\a b\c.toml" (the whole
; option quoted) and /CONFIG="C:\a b\c.toml" are both understood here.
Function ParseConfig
	StrCpy $ConfigGiven ""
	StrCpy $ConfigSrc ""
	StrLen $R1 $R0
	StrCpy $R2 0
	${Do}
		${If} $R2 >= $R1
			Return
		${EndIf}
		StrCpy $R3 $R0 8 $R2
		${If} $R3 == "/CONFIG=" ; StrCmp ignores case
			${ExitDo}
		${EndIf}
		IntOp $R2 $R2 + 1
	${Loop}
	StrCpy $ConfigGiven 1
	StrCpy $R5 " " ; the value ends at this character
	${If} $R2 > 0
		IntOp $R4 $R2 - 1
		StrCpy $R3 $R0 1 $R4
		${If} $R3 == '"'
			StrCpy $R5 '"'
		${EndIf}
	${EndIf}
	IntOp $R2 $R2 + 8
	StrCpy $R3 $R0 1 $R2
	${If} $R3 == '"'
		StrCpy $R5 '"'
		IntOp $R2 $R2 + 1
	${EndIf}
	StrCpy $R6 $R2
	${Do}
		${If} $R6 >= $R1
			${ExitDo}
		${EndIf}
		StrCpy $R3 $R0 1 $R6
		${If} $R3 == $R5
			${ExitDo}
		${EndIf}
		IntOp $R6 $R6 + 1
	${Loop}
	IntOp $R7 $R6 - $R2
	StrCpy $ConfigSrc $R0 $R7 $R2
FunctionEnd

Function .onInit
	SetShellVarContext all
	SetRegView 64
	${IfNot} ${RunningX64}
		MessageBox MB_ICONSTOP "${PRODUCT} needs 64-bit Windows." /SD IDOK
		SetErrorLevel 2
		Quit
	${EndIf}
	${GetParameters} $R0
	Call ParseConfig
	${If} $ConfigGiven != ""
		${If} $ConfigSrc == ""
			MessageBox MB_ICONSTOP "/CONFIG= needs the path of a config.toml." /SD IDOK
			SetErrorLevel 2
			Quit
		${ElseIfNot} ${FileExists} $ConfigSrc
			MessageBox MB_ICONSTOP "Configuration file not found: $ConfigSrc" /SD IDOK
			SetErrorLevel 2
			Quit
		${EndIf}
	${EndIf}
FunctionEnd

Section "BeSign Desktop" SecMain
	SectionIn RO
	SetOutPath "$INSTDIR"
	File "${SRCDIR}\besign.exe"
	File "${SRCDIR}\config.example.toml"
	File "${SRCDIR}\THIRD_PARTY_NOTICES.txt"
	WriteUninstaller "$INSTDIR\uninstall.exe"
	CreateShortCut "${SHORTCUT}" "$INSTDIR\besign.exe" "" "$INSTDIR\besign.exe" 0

	; %ProgramData%\BeSign: only administrators may write there, so that no
	; user can plant a system configuration. ProgramData's inherited ACL
	; would let every user create files in it.
	ReadEnvStr $ConfigDir "ProgramData"
	${If} $ConfigDir == ""
		StrCpy $ConfigDir "$APPDATA" ; all users' AppData is ProgramData
	${EndIf}
	StrCpy $ConfigDir "$ConfigDir\BeSign"
	CreateDirectory "$ConfigDir"
	nsExec::ExecToLog '"$SYSDIR\icacls.exe" "$ConfigDir" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F *S-1-5-32-545:(OI)(CI)RX'
	Pop $0
	${If} $0 != 0
		DetailPrint "warning: icacls on $ConfigDir returned $0"
	${EndIf}
	${If} $ConfigSrc != ""
		; Copy beside, then replace: a failed copy leaves the old file whole.
		ClearErrors
		CopyFiles /SILENT "$ConfigSrc" "$ConfigDir\config.toml.new"
		${IfNot} ${FileExists} "$ConfigDir\config.toml.new"
			SetErrors
		${EndIf}
		${If} ${Errors}
			Delete "$ConfigDir\config.toml.new"
			MessageBox MB_ICONSTOP "Cannot copy $ConfigSrc to $ConfigDir\config.toml" /SD IDOK
			SetErrorLevel 2
			Abort
		${EndIf}
		Delete "$ConfigDir\config.toml"
		Rename "$ConfigDir\config.toml.new" "$ConfigDir\config.toml"
		DetailPrint "Configuration: $ConfigDir\config.toml"
	${EndIf}

	WriteRegStr HKLM "${UNINST_KEY}" "DisplayName" "${PRODUCT}"
	WriteRegStr HKLM "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
	WriteRegStr HKLM "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
	WriteRegStr HKLM "${UNINST_KEY}" "URLInfoAbout" "https://natunakab.go.id"
	WriteRegStr HKLM "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\besign.exe,0"
	WriteRegStr HKLM "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
	WriteRegStr HKLM "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
	WriteRegStr HKLM "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
	WriteRegDWORD HKLM "${UNINST_KEY}" "NoModify" 1
	WriteRegDWORD HKLM "${UNINST_KEY}" "NoRepair" 1
	; besign:// links from the mail (reset, Lupa Password) open in the app.
	WriteRegStr HKLM "Software\Classes\besign" "" "URL:BeSign Protocol"
	WriteRegStr HKLM "Software\Classes\besign" "URL Protocol" ""
	WriteRegStr HKLM "Software\Classes\besign\DefaultIcon" "" "$INSTDIR\besign.exe,0"
	WriteRegStr HKLM "Software\Classes\besign\shell\open\command" "" '"$INSTDIR\besign.exe" "%1"'
	; "Open with" BeSign Desktop for PDFs: the document goes to the signing
	; queue. The person's default PDF viewer stays as it was.
	WriteRegStr HKLM "Software\Classes\BeSign.PDF" "" "PDF (BeSign Desktop)"
	WriteRegStr HKLM "Software\Classes\BeSign.PDF\DefaultIcon" "" "$INSTDIR\besign.exe,0"
	WriteRegStr HKLM "Software\Classes\BeSign.PDF\shell\open\command" "" '"$INSTDIR\besign.exe" "%1"'
	WriteRegStr HKLM "Software\Classes\.pdf\OpenWithProgids" "BeSign.PDF" ""
	WriteRegStr HKLM "Software\Classes\Applications\besign.exe" "FriendlyAppName" "BeSign Desktop"
	WriteRegStr HKLM "Software\Classes\Applications\besign.exe\SupportedTypes" ".pdf" ""
	WriteRegStr HKLM "Software\Classes\Applications\besign.exe\shell\open\command" "" '"$INSTDIR\besign.exe" "%1"'
	${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
	IntFmt $0 "0x%08X" $0
	WriteRegDWORD HKLM "${UNINST_KEY}" "EstimatedSize" "$0"
SectionEnd

Function un.onInit
	SetShellVarContext all
	SetRegView 64
FunctionEnd

; IT's %ProgramData%\BeSign\config.toml and the users' own data
; (%LocalAppData%\besign: accounts, keys) are kept.
Section "Uninstall"
	Delete "${SHORTCUT}"
	Delete "$INSTDIR\besign.exe"
	Delete "$INSTDIR\config.example.toml"
	Delete "$INSTDIR\THIRD_PARTY_NOTICES.txt"
	Delete "$INSTDIR\uninstall.exe"
	RMDir "$INSTDIR"
	DeleteRegKey HKLM "${UNINST_KEY}"
	DeleteRegKey HKLM "Software\Classes\besign"
	DeleteRegKey HKLM "Software\Classes\BeSign.PDF"
	DeleteRegValue HKLM "Software\Classes\.pdf\OpenWithProgids" "BeSign.PDF"
	DeleteRegKey /ifempty HKLM "Software\Classes\.pdf\OpenWithProgids"
	DeleteRegKey HKLM "Software\Classes\Applications\besign.exe"
SectionEnd
