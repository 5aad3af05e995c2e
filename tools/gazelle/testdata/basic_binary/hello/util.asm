; no entry here
puts: ret
