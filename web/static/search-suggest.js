// Progressive enhancement of the search box: suggestions from /suggest as you type, with GOV.UK's
// accessible-autocomplete (keyboard and screen reader support). Without JavaScript the box is a plain search field
// and the form works as before. Choosing a suggestion opens it; Enter without choosing one searches the text.
(function () {
  'use strict'
  var input = document.querySelector('input[data-suggest-url]')
  if (!input || !window.accessibleAutocomplete || !window.fetch) return
  var url = input.getAttribute('data-suggest-url')
  var kinds = { title: 'Dataset', publisher: 'Publisher', variable: 'Variable', 'linkage-key': 'Linkage key' }
  var wrap = input.parentNode
  var timer = null
  var latest = 0

  function escapeHtml (text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]
    })
  }

  function source (query, populate) {
    clearTimeout(timer)
    timer = setTimeout(function () {
      var mine = ++latest
      fetch(url + '?q=' + encodeURIComponent(query), { headers: { Accept: 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] } })
        .then(function (data) { if (mine === latest) populate(data.suggestions || []) })
        .catch(function () { if (mine === latest) populate([]) })
    }, 120)
  }

  var container = document.createElement('div')
  container.className = 'app-search__autocomplete'
  wrap.insertBefore(container, input)
  var value = input.value
  var name = input.name
  var id = input.id
  wrap.removeChild(input)
  window.accessibleAutocomplete({
    element: container,
    id: id,
    name: name,
    defaultValue: value,
    minLength: 2,
    autoselect: false,
    confirmOnBlur: false,
    showNoOptionsFound: false,
    displayMenu: 'overlay',
    inputClasses: 'govuk-input app-search__input',
    source: source,
    templates: {
      inputValue: function (s) { return s && typeof s === 'object' ? s.label : (s || '') },
      suggestion: function (s) {
        if (!s || typeof s !== 'object') return escapeHtml(s || '')
        return escapeHtml(s.label) + ' <span class="app-suggest__kind">' + escapeHtml(kinds[s.kind] || s.kind) + '</span>'
      }
    },
    onConfirm: function (s) { if (s && typeof s === 'object' && s.url) window.location.assign(s.url) }
  })
  // Enter with no suggestion highlighted searches the text, as the plain box does (the component would only
  // close its menu).
  container.addEventListener('keydown', function (event) {
    if (event.key !== 'Enter' || container.querySelector('.autocomplete__option--focused')) return
    var form = container.closest('form')
    if (form) { event.preventDefault(); event.stopPropagation(); form.requestSubmit ? form.requestSubmit() : form.submit() }
  }, true)
})()
