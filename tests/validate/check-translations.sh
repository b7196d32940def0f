#!/bin/sh
# ko.po covers every string: extract a fresh template from POTFILES.in and require
# every message to be present, translated and not fuzzy.
set -eu
top=${1:?source root}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$top"
grep -v '^#' po/POTFILES.in | grep -v '^$' > "$work/files"
xgettext --from-code=UTF-8 --add-comments=Translators \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=g_dngettext:2,3 --keyword=ngettext:1,2 \
  --package-name=paymint-desk -f "$work/files" -o "$work/paymint-desk.pot"
status=0
for lang in $(cat po/LINGUAS); do
  po="po/$lang.po"
  msgfmt --check -o /dev/null "$po" || status=1
  # every message of the template is in the catalogue
  if ! msgcmp "$po" "$work/paymint-desk.pot" 2> "$work/cmp"; then
    echo "$po is missing messages:"; head -40 "$work/cmp"; status=1
  fi
  # and translated
  msgmerge --quiet --no-fuzzy-matching -o "$work/merged.po" "$po" "$work/paymint-desk.pot"
  untranslated=$(msgattrib --untranslated --no-obsolete "$work/merged.po" | grep -c '^msgid ' || true)
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$work/merged.po" | grep -c '^msgid ' || true)
  # msgattrib prints the header entry too when there is anything else
  [ "$untranslated" -gt 0 ] && untranslated=$((untranslated - 1))
  [ "$fuzzy" -gt 0 ] && fuzzy=$((fuzzy - 1))
  if [ "$untranslated" -ne 0 ] || [ "$fuzzy" -ne 0 ]; then
    echo "$po: $untranslated untranslated, $fuzzy fuzzy:"
    msgattrib --untranslated --only-fuzzy --no-obsolete "$work/merged.po" | grep '^msgid' | head -20
    msgattrib --untranslated --no-obsolete "$work/merged.po" | grep -A1 '^msgid' | head -40
    status=1
  fi
done
[ $status -eq 0 ] && echo "every translation is complete"
exit $status
